"""The review queue: a store of extracted reports, the items a person must look at, and their fixes.

``store`` persists documents, extraction versions, review items, the correction audit log and the
reviewers; ``queue`` holds the review operations (enqueue, correct, accept, mark a source error,
skip); ``export`` writes corrected reports and gold files; ``web`` is the reviewer's UI and
``command`` the ``extractor review`` CLI. The store is always passed in, never looked up.
"""
