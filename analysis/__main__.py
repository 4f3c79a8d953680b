"""Command line of the study.

* ``python -m analysis run --corpus DIR --out OUT [--metadata CSV] [--jobs N] [--engine local|dask]``
* ``python -m analysis notebooks`` — execute every notebook in order, in place;
* ``python -m analysis bench`` — time the pipeline on synthetic corpora of 1×, 10×, 100×, 1000× the seeds.

Exit status of ``run``: 0 when every file was read, 3 when some files were skipped (each named
on stderr with its problem), 2 for a usage error (e.g. the corpus folder does not exist).
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
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
    run_parser.add_argument("--jobs", type=int, default=None,
                            help="worker processes (default: every core this process may use)")
    run_parser.add_argument("--engine", choices=("local", "dask"), default="local",
                            help="local: a process pool on this machine (default); dask: a Dask cluster "
                                 "(needs the optional dependencies in requirements-dask.txt)")
    run_parser.add_argument("--scheduler", default=None,
                            help="with --engine dask: address of a running Dask scheduler "
                                 "(default: start a local cluster of --jobs workers)")
    run_parser.add_argument("--timings", type=Path, default=None,
                            help="write seconds per stage, wall time and peak memory to this JSON file")
    sub.add_parser("notebooks", help="execute notebooks/NN_*.ipynb in order, in place")
    bench_parser = sub.add_parser("bench", help="benchmark the pipeline on synthetic corpora made from the seeds")
    bench_parser.add_argument("--sizes", default="1,10,100,1000", help="corpus sizes as multiples of the seeds")
    bench_parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    bench_parser.add_argument("--workdir", type=Path, default=None,
                              help="where the synthetic corpora are built (default: a temporary folder)")
    args = parser.parse_args(argv)

    if args.command == "notebooks":
        from analysis.notebooks import execute_all

        execute_all()
        return 0
    if args.command == "bench":
        from analysis.bench import main as bench_main

        return bench_main([int(x) for x in args.sizes.split(",")], args.jobs, args.workdir)

    if not args.corpus.is_dir():
        print(f"error: corpus folder {args.corpus} does not exist or is not a folder", file=sys.stderr)
        return 2
    if args.metadata is not None and not args.metadata.is_file():
        print(f"error: metadata file {args.metadata} does not exist", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    from analysis.pipeline import EngineUnavailable, run  # imported late so that --help is instant

    clock = time.perf_counter()
    try:
        result = run(args.corpus, args.out, args.metadata, jobs=args.jobs, engine=args.engine, scheduler=args.scheduler)
    except EngineUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.timings is not None:
        _write_timings(args.timings, result, time.perf_counter() - clock)
    for message in result.messages:
        print(message, file=sys.stderr)
    n_rel = int(result.articles["relevant"].sum()) if len(result.articles) else 0
    print(f"{len(result.files)} files, {len(result.articles)} articles ({n_rel} relevant), "
          f"{len(result.cleaning_log)} logged changes → {args.out}")
    return 3 if result.skipped else 0


def _write_timings(path: Path, result, wall: float) -> None:
    """Seconds per stage (summed over workers), wall seconds, characters and peak resident memory (MiB)."""
    mib = 1024  # ru_maxrss is in KiB on Linux
    payload = {
        "wall": wall,
        "stages": result.seconds,
        "files": len(result.files),
        "chars": int(result.files["raw_chars"].sum()) if len(result.files) else 0,
        "peak_rss_main_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mib,
        "peak_rss_worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mib,
    }
    path.write_text(json.dumps(payload, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
