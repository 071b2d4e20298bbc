"""Batch runs: many documents in, one result per document out, resumable and deterministic.

``extractor batch INPUT... --out DIR`` (``command``) collects the inputs (``inputs``), skips what the
journal (``manifest``) says is already done, extracts the rest on an engine (``engines``: a local
process pool, or Ray), then rebuilds the table files from the per-document results (``outputs``),
runs the checks across the reports of one body (``crossyear``) and writes a summary (``summary``).
``runner.run_batch`` ties these together.
"""
