"""Command line: ``python -m analysis run --corpus DIR --out OUT [--metadata CSV]`` and
``python -m analysis notebooks`` (execute every notebook in order, in place).

Exit status: 0 when every file was read, 3 when some files were skipped (each named on
stderr with its problem), 2 for a usage error (e.g. the corpus folder does not exist).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis import paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run every stage on a folder of .txt files")
    run_parser.add_argument("--corpus", type=Path, default=paths.SEEDS, help="folder of .txt files (default: seeds/)")
    run_parser.add_argument("--out", type=Path, default=paths.DATA, help="output folder for the tables (default: data/)")
    run_parser.add_argument("--metadata", type=Path, default=None,
                            help="metadata CSV (columns file, article, city, province, outlet, published, …); "
                                 "default: manifest.csv inside the corpus folder if present")
    sub.add_parser("notebooks", help="execute notebooks/NN_*.ipynb in order, in place")
    args = parser.parse_args(argv)

    if args.command == "notebooks":
        from analysis.notebooks import execute_all

        execute_all()
        return 0

    if not args.corpus.is_dir():
        print(f"error: corpus folder {args.corpus} does not exist or is not a folder", file=sys.stderr)
        return 2
    if args.metadata is not None and not args.metadata.is_file():
        print(f"error: metadata file {args.metadata} does not exist", file=sys.stderr)
        return 2
    from analysis.pipeline import run  # imported late so that --help is instant

    result = run(args.corpus, args.out, args.metadata)
    for message in result.messages:
        print(message, file=sys.stderr)
    n_rel = int(result.articles["relevant"].sum()) if len(result.articles) else 0
    print(f"{len(result.files)} files, {len(result.articles)} articles ({n_rel} relevant), "
          f"{len(result.cleaning_log)} logged changes → {args.out}")
    return 3 if result.skipped else 0


if __name__ == "__main__":
    sys.exit(main())
