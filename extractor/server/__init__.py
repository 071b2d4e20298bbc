"""The HTTP service: upload a report, get its checked extraction back (``extractor serve``).

``app.create_app`` builds the FastAPI application; uploads are kept by content hash (``storage``) and
extracted in background worker processes (``worker``); every request needs the API token
(``auth``); uploads are size-limited while they stream in (``limits``) and format-checked by their
bytes (``formats``).
"""
