"""Command line: write the synthetic set, or check that a committed one is current.

``python -m extractor.synthetic OUT_DIR [--n N] [--seed S] [--check]`` writes the set to OUT_DIR.
With ``--check`` it writes nothing and exits 1, listing the differences, when OUT_DIR is not exactly
what the generator produces: in CI the committed set must be regenerated, never silently rewritten.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import DEFAULT_N, DEFAULT_RENDERINGS, DEFAULT_SEED, build_set, check_set


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m extractor.synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"number of documents (default {DEFAULT_N})")
    parser.add_argument("--renderings", type=int, default=DEFAULT_RENDERINGS,
                        help=f"documents drawn from the fuzz choice space (default {DEFAULT_RENDERINGS})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"set seed (default {DEFAULT_SEED})")
    parser.add_argument("--check", action="store_true", help="compare OUT_DIR with a fresh build; write nothing")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    if args.check:
        problems = check_set(args.out_dir, args.n, args.seed, args.renderings)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{args.out_dir}: {len(problems)} file(s) out of date; regenerate with "
                  f"python -m extractor.synthetic {args.out_dir} --n {args.n} --seed {args.seed} "
                  f"--renderings {args.renderings}", file=sys.stderr)
            return 1
        print(f"{args.out_dir}: current ({args.n} + {args.renderings} documents, seed {args.seed})")
        return 0
    documents = build_set(args.out_dir, args.n, args.seed, args.renderings)
    print(f"wrote {len(documents)} documents and their gold labels to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
