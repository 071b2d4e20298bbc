"""Evaluation of the extractor against labelled sets (``extractor eval``).

    sets        find the documents and gold files of a labelled set (errors, never skips)
    scoring     score one document's flat output against its gold (the rules of shared/tools/score.py)
    metrics     aggregate key outcomes: accuracy, silent errors, review load, flag precision/recall,
                calibration, grouped by family/section/format/rendering/document
    thresholds  the pass/fail limits per set (evals/thresholds.json, or command-line flags)
    measure     one document: extract (an exception becomes a failed result), time, score
    records     the run.json model
    baseline    the difference between this run and an earlier run.json
    table       plain aligned text tables for the terminal
    terminal    what the terminal shows of a run
    svg, html   the self-contained report.html
    screenshot  a PNG of report.html through a headless browser
    run         ``run_eval``: extract every document of every set, score, write, decide the exit code
    command     the ``extractor eval`` sub-command

This package stays light to import: the CLI imports ``command`` at start-up, and only ``run`` pulls in
the pipeline.
"""
