"""The benchmark's synthetic corpora and its report."""
import random
import subprocess
import sys

import pytest

from analysis import paths
from analysis.bench import ENCODINGS, build_corpus, encode_copy, perturb, table
from analysis.encoding import decode_bytes


@pytest.mark.parametrize("text", ["2019年破案123起，同比上升45%。", "智慧警务新观察\n民警依托大数据平台破案"])
def test_perturbation_is_small_and_seeded(text):
    a, b = perturb(text, random.Random(1)), perturb(text, random.Random(1))
    assert a == b and len(a) == len(text)
    assert sorted(a) == sorted(text) or sum(x != y for x, y in zip(a, text)) <= len(text) // 2


def test_copies_differ_from_each_other_and_decode_back(tmp_path):
    corpus = build_corpus(4, tmp_path / "c")
    files = sorted(corpus.iterdir())
    assert len(files) == 4 * len(list(paths.SEEDS.glob("*.txt")))
    assert len({f.read_bytes() for f in files}) == len(files)  # no two copies alike
    seed_text = decode_bytes(sorted(paths.SEEDS.glob("*.txt"))[0].read_bytes()).text
    for n, f in enumerate(files[:4]):
        decoded = decode_bytes(f.read_bytes())
        assert len(decoded.text) == len(seed_text)
        assert decoded.encoding.replace("-le", "").replace("-be", "") in (ENCODINGS[n], "utf-8")


@pytest.mark.parametrize("n, encoding", list(enumerate(ENCODINGS)))
def test_copies_rotate_encodings(n, encoding):
    assert encode_copy("警察", n) == "警察".encode(encoding)


def test_big5_falls_back_to_utf8_for_simplified_only_characters():
    assert encode_copy("这", ENCODINGS.index("big5")) == "这".encode("utf-8")


def test_report_table_has_one_row_per_size():
    row = {"size": 1, "files": 5, "chars": 16_000, "process_wall": 2.0, "jieba": 0.05, "peak_rss_main_mib": 200,
           "peak_rss_worker_mib": 180, "stages": {"decode+clean": 0.5, "units": 0.01, "tokenize": 0.1, "code": 0.2}}
    text = table([row, {**row, "size": 10, "chars": 160_000, "process_wall": 10.0}], jobs=2)
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(lines) == 3 and "| 10× |" in lines[2]
    assert lines[2].endswith("| 0.50 |")  # s per Mchar at 10× relative to 1×: 62.5 / 125


def test_bench_command_prints_the_table(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "analysis", "bench", "--sizes", "1", "--jobs", "2",
                           "--workdir", str(tmp_path)], capture_output=True, text=True, cwd=paths.ROOT)
    assert proc.returncode == 0, proc.stderr
    row = [line for line in proc.stdout.splitlines() if line.startswith("| 1× |")]
    assert row and row[0].count("|") == 15
