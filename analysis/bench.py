"""``python -m analysis bench``: the pipeline's speed and memory on synthetic corpora.

For each size k (default 1, 10, 100, 1000) a corpus of k copies of every seed file is built under
new names, each copy perturbed (digits replaced and neighbouring characters swapped at random, with a
fixed seed) so that no cache can recognise a copy, and written in UTF-8, GB18030, UTF-16 or Big5 in turn
(UTF-8 where Big5 cannot hold the text), so that decoding is exercised as in a scraped folder. Each corpus
goes through ``python -m analysis run`` in a fresh process (all cores unless ``--jobs``), which reports
seconds per stage (summed over workers), wall time and peak memory. In the same bench run, jieba alone
(the study's dictionary, HMM off, as :func:`analysis.tokenize.tokenize` uses it) segments the same
decoded text once in one process: the yardstick for "costs little more than tokenizing once".
"""
from __future__ import annotations

import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from analysis import paths
from analysis.encoding import decode_bytes
from analysis.pipeline import STAGES, corpus_files, default_jobs

_CJK_PAIR = re.compile(r"[\u4e00-\u9fff]{2}")


def perturb(text: str, rng: random.Random) -> str:
    """A copy of ``text`` that differs from every other copy: digits redrawn, some character pairs swapped."""
    text = re.sub(r"[0-9]", lambda m: str(rng.randrange(10)) if rng.random() < 0.5 else m.group(), text)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        pairs = list(_CJK_PAIR.finditer(line))
        if pairs and rng.random() < 0.3:
            m = rng.choice(pairs)
            lines[i] = line[:m.start()] + m.group()[::-1] + line[m.end():]
    return "\n".join(lines)


ENCODINGS = ("utf-8", "gb18030", "utf-16", "big5")


def encode_copy(text: str, n: int) -> bytes:
    """Copy ``n`` of a text in the n-th encoding of :data:`ENCODINGS` (UTF-8 if the text does not fit)."""
    try:
        return text.encode(ENCODINGS[n % len(ENCODINGS)])
    except UnicodeEncodeError:
        return text.encode("utf-8")


def build_corpus(k: int, target: Path, seeds: Path = paths.SEEDS, seed: int = 20261123) -> Path:
    """``target`` filled with k perturbed copies of each ``.txt`` file in ``seeds`` (deterministic)."""
    target.mkdir(parents=True, exist_ok=True)
    files, _ = corpus_files(seeds)
    for path in files:
        text = decode_bytes(path.read_bytes()).text
        for n in range(k):
            copy = perturb(text, random.Random(f"{seed}-{path.name}-{n}"))
            (target / f"{path.stem}_copy{n:05d}.txt").write_bytes(encode_copy(copy, n))
    return target


def jieba_seconds(corpus: Path) -> tuple[float, int]:
    """Seconds for one jieba pass over the decoded text of every file (decoding not timed), and characters."""
    from analysis.tokenize import jieba_tokenizer

    tokenizer = jieba_tokenizer()  # loading the dictionary is not timed: the pipeline's own start-up is
    files, _ = corpus_files(corpus)
    seconds, chars = 0.0, 0
    for path in files:
        text = decode_bytes(path.read_bytes()).text
        clock = time.perf_counter()
        tokenizer.lcut(text, HMM=False)
        seconds += time.perf_counter() - clock
        chars += len(text)
    return seconds, chars


def run_pipeline(corpus: Path, out: Path, jobs: int) -> dict:
    """``python -m analysis run`` in a fresh process; its timings JSON plus the wall time seen from outside."""
    timings = out.with_suffix(".json")
    clock = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analysis", "run", "--corpus", str(corpus), "--out", str(out),
                    "--jobs", str(jobs), "--timings", str(timings)],
                   check=False, cwd=paths.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    outside = time.perf_counter() - clock
    result = json.loads(timings.read_text(encoding="utf-8"))
    result["process_wall"] = outside
    return result


def measure(sizes: list[int], jobs: int, workdir: Path) -> list[dict]:
    rows = []
    for k in sizes:
        corpus = build_corpus(k, workdir / f"corpus_{k}x")
        timing = run_pipeline(corpus, workdir / f"out_{k}x", jobs)
        jieba, chars = jieba_seconds(corpus)
        rows.append({"size": k, "jieba": jieba, "jieba_chars": chars, **timing})
        print(f"  {k}×: {timing['files']} files, {timing['chars']:,} chars, {timing['process_wall']:.1f} s", file=sys.stderr)
    return rows


def table(rows: list[dict], jobs: int) -> str:
    """The benchmark as a Markdown table (characters per second per stage are per core)."""
    head = ["size", "files", "chars", "wall s", "chars/s"] + [f"{s} chars/s/core" for s in STAGES] + [
        "peak MiB main / worker", "jieba s", "cost × jieba (wall)", "CPU × jieba", "s/Mchar vs previous"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    previous = None
    for r in rows:
        chars, wall = r["chars"], r["process_wall"]
        per_stage = [f"{chars / r['stages'][s]:,.0f}" if r["stages"].get(s) else "–" for s in STAGES]
        cpu = sum(r["stages"].values())
        per_mchar = wall / chars * 1e6
        linear = f"{per_mchar / previous:.2f}" if previous else "–"
        previous = per_mchar
        lines.append("| " + " | ".join([
            f"{r['size']}×", f"{r['files']:,}", f"{chars:,}", f"{wall:.1f}", f"{chars / wall:,.0f}", *per_stage,
            f"{r['peak_rss_main_mib']:.0f} / {r['peak_rss_worker_mib']:.0f}", f"{r['jieba']:.1f}",
            f"{wall / r['jieba']:.2f}", f"{cpu / r['jieba']:.2f}", linear]) + " |")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, jobs={jobs}"
    return "\n".join([f"Benchmark {date.today().isoformat()} ({machine})", "", *lines])


def main(sizes: list[int], jobs: int | None = None, workdir: Path | None = None) -> int:
    jobs = jobs or default_jobs()
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="analysis-bench-") as tmp:
            rows = measure(sizes, jobs, Path(tmp))
    else:
        rows = measure(sizes, jobs, Path(workdir))
    print(table(rows, jobs))
    return 0
