"""``run_eval``: every document of every labelled set through the extractor, scored and reported.

Order of work: read every set, the thresholds and the baseline first (a broken set is reported before
minutes of extraction, with all its problems), then extract and score each document, then write
``run.json`` and ``report.html`` and print the terminal summary.

A set whose documents need a system tool this machine lacks (LibreOffice for .doc/.wps/.rtf/.odt,
per the ingest registry) is skipped, with one loud line saying which tool and how to install it: it
neither fails (its documents would all come back ``failed``, every key a silent error) nor passes
quietly. A skipped set is recorded in run.json with its reason.

The extractor is the one every command uses (``extractor.Extractor``): with ``--llm`` the model is
asked, and run.json records the calls, tokens, failed calls and the helper's complaints.

Exit codes: 0 every set within its thresholds; 1 some set broke one (accuracy below its minimum, or
more silent errors than allowed); 2 the eval could not run (a broken set, thresholds file or baseline).
"""
from __future__ import annotations

import multiprocessing
import platform
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from .. import errors
from ..ingest import FORMATS, sniff_file
from ..pipeline import Extractor, shared_extractor
from ..settings import Settings
from ..tools import TOOLS, Tool, absence, available
from . import html, terminal
from .baseline import BaselineError, diff, load_baseline
from .measure import measure
from .metrics import LLMUsage, calibration, family_of, llm_usage, section_of, tally, tally_by, timing
from .records import DocumentRecord, RunRecord, SetRecord, SilentError
from .sets import LabelledDocument, LabelledSet, discover_all
from .thresholds import Threshold, ThresholdError, default_file, effective, failures, load_thresholds

EXIT_OK, EXIT_THRESHOLD, EXIT_UNUSABLE = 0, 1, 2


class Unusable(errors.ConfigError):
    """The eval cannot start; ``problems`` say why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def run_eval(
    sets: Sequence[Path],
    extractor: Extractor,
    baseline: Path | None = None,
    fail_under: float | None = None,
    max_silent: int | None = None,
    out_dir: Path | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    thresholds_file: Path | None = None,
    limit: int = 20,
    workers: int = 1,
) -> int:
    """Evaluate ``extractor`` on ``sets``; returns the exit code (see the module docstring).

    Thresholds: ``fail_under``/``max_silent`` when given, else each set's entry in ``thresholds_file``
    (default: the ``thresholds.json`` beside the set folders, i.e. ``evals/thresholds.json``).
    ``workers`` > 1 extracts in that many processes, each with its own Extractor built from the
    settings (the scores are the same; each document's seconds then share the machine).
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        labelled, limits, base = prepare(sets, baseline, thresholds_file, fail_under, max_silent)
    except Unusable as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=stderr)
        return EXIT_UNUSABLE
    started = _now()
    skipped = skipped_sets(labelled)
    todo = [doc for s in labelled if s.name not in skipped for doc in s.documents]
    documents = measure_all(todo, extractor, workers)
    out_dir = _output_dir(out_dir)
    run = build_run(labelled, documents, limits, extractor, started, out_dir, skipped)
    if base is not None and baseline is not None:
        run.baseline = diff(base, str(baseline), run)
    write(run, out_dir)
    print(terminal.summary(run, limit), file=stdout)
    print(f"wrote {out_dir / 'run.json'} and {out_dir / 'report.html'}", file=stdout)
    return run.exit_code


def measure_all(documents: Sequence[LabelledDocument], extractor: Extractor, workers: int) -> list[DocumentRecord]:
    """Every document measured, in order; in ``workers`` processes when more than one. A worker
    that dies (a crash in a native library) costs the parallelism, not the run: what it left
    undone is measured here, one at a time."""
    if workers <= 1 or len(documents) <= 1:
        return [measure(doc, extractor) for doc in documents]
    done: list[DocumentRecord] = []
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for record in pool.map(_measure_in_worker, documents, [extractor.settings] * len(documents)):
                done.append(record)
    except BrokenProcessPool:
        pass
    return done + [measure(doc, extractor) for doc in documents[len(done):]]


def _measure_in_worker(doc: LabelledDocument, settings: Settings) -> DocumentRecord:
    return measure(doc, shared_extractor(settings))


def prepare(
    sets: Sequence[Path],
    baseline: Path | None,
    thresholds_file: Path | None,
    fail_under: float | None,
    max_silent: int | None,
) -> tuple[list[LabelledSet], dict[str, Threshold], dict[str, Any] | None]:
    """The sets, each set's limits and the baseline; raises ``Unusable`` with every problem found."""
    if not sets:
        raise Unusable(["no labelled set given"])
    labelled, set_errors = discover_all([Path(s) for s in sets])
    problems = [f"{e.set_path}: {p}" for e in set_errors for p in e.problems]
    limits: dict[str, Threshold] = {}
    try:
        limits = set_limits(labelled, thresholds_file, fail_under, max_silent)
    except ThresholdError as exc:
        problems.append(str(exc))
    base = None
    if baseline is not None:
        try:
            base = load_baseline(baseline)
        except BaselineError as exc:
            problems.append(str(exc))
    if problems:
        raise Unusable(problems)
    return labelled, limits, base


def set_limits(
    labelled: Sequence[LabelledSet], thresholds_file: Path | None, fail_under: float | None, max_silent: int | None
) -> dict[str, Threshold]:
    """Each set's effective limits: command line over the thresholds file."""
    limits = {}
    for s in labelled:
        path = thresholds_file or default_file(s.path)
        table = load_thresholds(path) if thresholds_file or path.exists() else {}
        limits[s.name] = effective(s.name, table, fail_under, max_silent)
    return limits


def skipped_sets(labelled: Sequence[LabelledSet]) -> dict[str, str]:
    """Set name → why it cannot be run here: documents whose reader needs a tool this machine lacks."""
    skipped = {}
    for s in labelled:
        needing: dict[Tool, int] = {}
        for doc in s.documents:
            for tool in FORMATS[sniff_file(doc.path)].needs:
                needing[tool] = needing.get(tool, 0) + 1
        missing = [t for t in sorted(needing) if not available(t)]
        if missing:
            tool = missing[0]
            skipped[s.name] = (f"{needing[tool]} of its {len(s.documents)} documents need {TOOLS[tool].label}. "
                               + absence(tool))
    return skipped


def build_run(
    labelled: Sequence[LabelledSet],
    documents: Sequence[DocumentRecord],
    limits: dict[str, Threshold],
    extractor: Extractor,
    started: str,
    out_dir: Path,
    skipped: dict[str, str] | None = None,
) -> RunRecord:
    skipped = skipped or {}
    set_records = [set_record(s, [d for d in documents if d.set == s.name], limits[s.name], skipped.get(s.name))
                   for s in labelled]
    passed = all(s.passed for s in set_records)
    keyed = [(d, r) for d in documents for r in d.rows]
    return RunRecord(
        started=started,
        finished=_now(),
        out_dir=str(out_dir),
        settings=settings_record(extractor),
        versions=versions_of(documents),
        thresholds=limits,
        passed=passed,
        exit_code=EXIT_OK if passed else EXIT_THRESHOLD,
        overall=tally((r for _, r in keyed), documents=len(documents)),
        timing=timing([d.seconds for d in documents]),
        llm=_llm(documents),
        sets=set_records,
        by_family=tally_by((family_of(r.key), d.document, r) for d, r in keyed),
        by_section=tally_by((section_of(r.key), d.document, r) for d, r in keyed),
        by_format=tally_by((d.format, d.document, r) for d, r in keyed),
        by_rendering=tally_by((d.rendering, d.document, r) for d, r in keyed),
        by_method=tally_by((r.method or "absent", d.document, r) for d, r in keyed),
        by_status=tally_by((d.status, d.document, r) for d, r in keyed),
        calibration=calibration(r for _, r in keyed),
        silent_errors=[SilentError(document=d.document, key=r.key, gold=r.gold, got=r.got)
                       for d, r in keyed if r.outcome == "silent"],
        documents=list(documents),
    )


def set_record(s: LabelledSet, documents: Sequence[DocumentRecord], limit: Threshold,
               skipped: str | None = None) -> SetRecord:
    metrics = tally((r for d in documents for r in d.rows), documents=len(documents))
    return SetRecord(
        name=s.name,
        path=str(s.path),
        root=str(s.root),
        metrics=metrics,
        timing=timing([d.seconds for d in documents]),
        llm=_llm(documents),
        threshold=limit,
        failures=[] if skipped else failures(metrics, limit),
        skipped=skipped,
    )


def _llm(documents: Sequence[DocumentRecord]) -> LLMUsage:
    return llm_usage((d.llm_calls, d.llm_tokens, d.llm_failed_calls, bool(d.llm_problems)) for d in documents)


def settings_record(extractor: Extractor) -> dict[str, Any]:
    """The settings a run used, minus secrets (fields hidden from repr, such as the API key)."""
    settings = extractor.settings
    record = {f.name: _plain(getattr(settings, f.name)) for f in fields(settings) if f.repr}
    record["llm_enabled"] = extractor.llm_enabled  # whether a model was asked: "auto" alone does not say
    return record


def versions_of(documents: Sequence[DocumentRecord]) -> dict[str, list[str]]:
    """Every version any result reported (a run may mix, e.g. a model changing mid-run), plus Python."""
    found: dict[str, set[str]] = {}
    for d in documents:
        for name, version in d.versions.items():
            found.setdefault(name, set()).add(version)
    found.setdefault("python", set()).add(platform.python_version())
    return {name: sorted(v) for name, v in sorted(found.items())}


def write(run: RunRecord, out_dir: Path) -> None:
    (out_dir / "run.json").write_text(run.to_json(), encoding="utf-8")
    (out_dir / "report.html").write_text(html.render_report(run), encoding="utf-8")


def _output_dir(out_dir: Path | None) -> Path:
    """``out_dir`` as given (created), or a new ``runs/<timestamp>``: a default run never overwrites
    an earlier one, since earlier runs are the baselines of later ones."""
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        return out_dir
    base = Path("runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    candidate.mkdir(parents=True)
    return candidate


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
