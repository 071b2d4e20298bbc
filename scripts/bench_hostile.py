"""Hostile files end as ``failed`` with a message, quickly and in bounded memory (issue 11).

usage: python scripts/bench_hostile.py [--gib 3] [--work DIR]

Builds a zip-bomb DOCX (its word/document.xml inflates to --gib GiB of XML; a few MB on disk), a
DOCX whose headers lie about that size, and an ODT bomb, then runs ``extractor extract`` on each as
a user would (a subprocess) and reports its status, message, wall time and peak RSS (getrusage of
wait4). The target: ``failed`` with a message naming the limit, within 60 s and under 1.5 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile import MB, docx_bomb, lying_docx, odt_bomb  # noqa: E402

GIB = 1024 * MB


def measure(path: Path) -> dict:
    """Run the CLI on one file; its own peak RSS comes from wait4 (per child, not cumulative)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "extractor.cli", "extract", str(path), "--flat"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    result = json.loads(out) if out.strip() else {}
    return {"file": path.name, "size_mb": round(path.stat().st_size / MB, 1), "status": result.get("status"),
            "error": result.get("error"), "seconds": round(seconds, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit": os.waitstatus_to_exitcode(status),
            "stderr": err.strip()[-300:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=3.0, help="inflated size of the bomb's body (default 3)")
    parser.add_argument("--work", type=Path, help="keep the files here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        inflated = int(args.gib * GIB)
        started = time.perf_counter()
        files = [docx_bomb(work / "bomb.docx", inflated), lying_docx(work / "lying.docx", 512 * MB),
                 odt_bomb(work / "bomb.odt", inflated)]
        print(f"built {len(files)} files in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        ok = True
        for path in files:  # one at a time: each child's peak is measured alone
            row = measure(path)
            print(json.dumps(row, ensure_ascii=False))
            ok &= row["status"] == "failed" and bool(row["error"]) and row["seconds"] < 60 and row["peak_rss_mb"] < 1536
    print("PASS" if ok else "FAIL", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
