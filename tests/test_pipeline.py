"""The pipeline on the seed corpus: accounting, segmentation, metadata, freshness, idempotence."""
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.clean import clean_string
from analysis.pipeline import clean_corpus, run


@pytest.fixture(scope="module")
def seeds_run():
    return clean_corpus(paths.SEEDS)


@pytest.fixture(scope="module")
def manifest():
    return pd.read_csv(paths.MANIFEST, dtype=str, keep_default_na=False)


def test_seed_files_match_the_manifest(manifest):
    for _, row in manifest.drop_duplicates("file").iterrows():
        data = (paths.SEEDS / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        assert len(data) == int(row["bytes"])


def test_every_character_is_accounted_for(seeds_run):
    """raw characters − logged removals + logged additions = characters in the articles, per file."""
    log = seeds_run.cleaning_log
    arts = seeds_run.articles
    for _, f in seeds_run.files.iterrows():
        rows = log[log.source_file == f.source_file]
        removed = rows.before.fillna("").str.len().sum()
        added = rows.after.fillna("").str.len().sum()
        in_articles = arts[arts.source_file == f.source_file].text.str.len().sum()
        assert f.raw_chars - removed + added == in_articles, f.source_file
        assert bool(f.balanced)


def test_metadata_moves_are_logged_and_kept(seeds_run):
    moved = seeds_run.cleaning_log.query("kind == 'moved_to_metadata'")
    arts = seeds_run.articles
    metadata_text = "".join(arts[["kicker", "title", "subtitle", "byline", "captions"]].fillna("").agg("".join, axis=1))
    for before in moved.before:
        assert before.strip() in metadata_text


def test_segmentation_finds_the_curated_boundaries_on_its_own(seeds_run, manifest):
    """The automatic titles equal the titles a reader recorded in the manifest (no manifest input used)."""
    found = seeds_run.articles[["source_file", "article_no", "title"]].astype(str)
    curated = manifest[["file", "article", "title"]].rename(columns={"file": "source_file", "article": "article_no"})
    merged = found.merge(curated, on=["source_file", "article_no"], how="outer", suffixes=("_auto", "_manifest"))
    assert len(merged) == len(curated) == len(found)
    assert (merged.title_auto == merged.title_manifest).all(), merged


def test_relevance_flags_the_off_topic_article(seeds_run, manifest):
    flags = seeds_run.articles.set_index(["source_file", "article_no"]).relevant
    for _, row in manifest.iterrows():
        assert bool(flags[(row.file, int(row.article))]) == (row.relevant == "True")


def test_six_relevant_clean_simplified_articles(seeds_run):
    relevant = seeds_run.articles[seeds_run.articles.relevant]
    assert sorted(relevant.city_en) == sorted(["Tongxiang", "Guiyang", "Hubei", "Wenzhou", "Shaoxing", "Dongguan"])
    for text in seeds_run.articles.text:
        assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ ]+\)", text), "pinyin left"
        assert not re.search(r"</?[a-z]+>|&[a-z]+;", text), "markup left"
        assert "\ufffd" not in text
        assert not re.search(r"人民网|小字号|原标题|责编|返回顶部|分享让更多人看到", text), "furniture left"
        assert clean_string(text) == text  # already clean: nothing changes


def test_no_traditional_left(seeds_run):
    from analysis.clean import detect_script, to_simplified

    for _, art in seeds_run.articles.iterrows():
        assert detect_script(art.text) == "Simplified"
        if art.script == "Traditional":
            assert to_simplified(art.text) == art.text


def test_committed_data_is_fresh(tmp_path):
    """data/ equals what the code produces now (run `make study` after changing the pipeline)."""
    run(paths.SEEDS, tmp_path)
    for table in sorted(tmp_path.glob("*.csv")):
        committed = paths.DATA / table.name
        assert committed.exists(), f"data/{table.name} is missing: run make study"
        assert committed.read_bytes() == table.read_bytes(), f"data/{table.name} is stale: run make study"


def test_pipeline_is_deterministic(tmp_path):
    run(paths.SEEDS, tmp_path / "a")
    run(paths.SEEDS, tmp_path / "b")
    for table in sorted((tmp_path / "a").glob("*.csv")):
        assert table.read_bytes() == (tmp_path / "b" / table.name).read_bytes()


def test_cleaning_clean_output_again_changes_nothing(seeds_run, tmp_path):
    """Idempotence at corpus level: a file holding a cleaned article comes back unchanged."""
    corpus = tmp_path / "clean"
    corpus.mkdir()
    arts = seeds_run.articles[seeds_run.articles.relevant]
    for _, art in arts.iterrows():
        head = "\n\n".join(x for x in (art.kicker, art.title, art.subtitle) if isinstance(x, str) and x)
        (corpus / f"{art.article_id}.txt").write_text(head + "\n\n" + art.text + "\n", encoding="utf-8")
    again = clean_corpus(corpus)
    assert list(again.articles.text) == list(arts.text)
    assert list(again.articles.title) == list(arts.title)
    assert set(again.cleaning_log.kind) <= {"moved_to_metadata", "layout"}


def test_command_line_reports_bad_files_and_keeps_going(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good 好.txt").write_text("智慧警务新观察\n\n民警依托大数据平台破案，公安机关打击精准，警方表示科技让警务更智慧。\n", encoding="gb18030")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (corpus / "notes.md").write_text("ignored", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "analysis", "run", "--corpus", str(corpus), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert proc.returncode == 3, proc.stderr
    assert "empty.txt: empty file" in proc.stderr
    assert "image.txt: not a text file (PNG image)" in proc.stderr
    assert "notes.md: ignored" in proc.stderr
    assert "Traceback" not in proc.stderr
    arts = pd.read_csv(tmp_path / "out" / "articles.csv")
    assert list(arts.title) == ["智慧警务新观察"]


@pytest.fixture(scope="module")
def copies_corpus(tmp_path_factory):
    """The seeds twice over under new names plus a skipped file: enough files to spread over workers."""
    corpus = tmp_path_factory.mktemp("copies")
    for path in sorted(paths.SEEDS.glob("*.txt")):
        for n in range(2):
            (corpus / f"{path.stem}_{n}.txt").write_bytes(path.read_bytes())
    (corpus / "empty.txt").write_bytes(b"")
    return corpus


@pytest.fixture(scope="module")
def one_job_tables(copies_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("one_job")
    result = run(copies_corpus, out, jobs=1)
    return out, result


def _same_tables(a, b):
    names = sorted(p.name for p in a.glob("*.csv"))
    assert names == sorted(p.name for p in b.glob("*.csv")) and len(names) == 5
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_process_pool_gives_the_same_tables_as_one_process(copies_corpus, one_job_tables, tmp_path, monkeypatch):
    from analysis.pipeline import TableWriter

    monkeypatch.setattr(TableWriter, "FLUSH_ROWS", 5)  # and written in many small pieces
    run(copies_corpus, tmp_path, jobs=2)
    _same_tables(one_job_tables[0], tmp_path)


def test_streamed_tables_equal_the_in_memory_pipeline(copies_corpus, one_job_tables, tmp_path):
    from analysis.pipeline import code_corpus, write_tables

    write_tables(code_corpus(copies_corpus), tmp_path)
    _same_tables(one_job_tables[0], tmp_path)


def test_run_reports_messages_stage_times_and_reads_tables_back(one_job_tables):
    out, result = one_job_tables
    assert result.skipped == 1 and "empty.txt: empty file" in result.messages
    assert set(result.seconds) == {"decode+clean", "units", "tokenize", "code"}
    assert all(v > 0 for v in result.seconds.values())
    assert len(result.articles) == 14 and result.articles.article_id.is_unique
    assert result.units.unit_id.str.startswith(tuple(result.articles.article_id)).all()


def test_units_carry_their_tokens(one_job_tables):
    from analysis.tokenize import tokenize

    units = one_job_tables[1].units
    for text, tokens in zip(units.text[:40], units.tokens[:40]):
        assert tokens.split(" ") == tokenize(text)


def test_dask_engine_gives_the_same_tables_on_a_local_cluster(copies_corpus, one_job_tables, tmp_path):
    """The per-file stages run unchanged as a dask.bag over files on a LocalCluster of worker processes."""
    if os.environ.get("STUDY_REQUIRE_DASK") != "1":
        pytest.importorskip("dask.distributed", reason="optional: pip install -r requirements-dask.txt")
    result = run(copies_corpus, tmp_path, jobs=2, engine="dask")
    _same_tables(one_job_tables[0], tmp_path)
    assert result.messages == one_job_tables[1].messages


@pytest.mark.parametrize("args, message", [
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--corpus", "no/such/folder"], "does not exist"),
])
def test_command_line_usage_errors(args, message, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "analysis", "run", "--out", str(tmp_path), *args],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr


def test_dask_engine_without_dask_says_what_to_install(monkeypatch, tmp_path):
    from analysis.pipeline import EngineUnavailable

    monkeypatch.setitem(sys.modules, "dask.bag", None)  # import fails as if dask were not installed
    with pytest.raises(EngineUnavailable, match="requirements-dask.txt"):
        run(paths.SEEDS, tmp_path, engine="dask")


@pytest.mark.parametrize("text, size, expected", [
    ("甲甲甲甲\n\n乙\n丙丙丙丙", 8, [(0, 6), (6, 12)]),  # after the blank line, not the later line break
    ("甲甲甲\r\n乙乙乙\r\n\r\n丙", 4, [(0, 5), (5, 10), (10, 13)]),  # a CRLF pair is never split
    ("甲甲甲\n乙乙乙\n丙", 8, [(0, 8), (8, 9)]),  # no blank line: the last line break
    ("甲" * 10, 4, [(0, 4), (4, 8), (8, 10)]),  # no break at all: a hard cut
    ("短文", 10, [(0, 2)]),
])
def test_block_bounds_cut_at_paragraph_breaks(text, size, expected):
    from analysis.pipeline import block_bounds

    bounds = block_bounds(text, size)
    assert bounds == expected
    assert "".join(text[a:b] for a, b in bounds) == text


@pytest.fixture(scope="module")
def blocked_run(tmp_path_factory):
    """The seeds glued into one file and cut into small blocks (thresholds lowered for the test)."""
    from analysis import pipeline

    corpus = tmp_path_factory.mktemp("glued")
    glued = b"\n\n".join(p.read_bytes() for p in sorted(paths.SEEDS.glob("*.txt")))
    (corpus / "glued.txt").write_bytes(glued.replace(b"\n", b"\r\n"))
    (corpus / "meta.csv").write_text("file,article,city\nglued.txt,1,甲\nglued.txt,7,乙\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "LARGE_FILE_BYTES", 10_000)
        mp.setattr(pipeline, "BLOCK_CHARS", 4_000)
        blocked = pipeline.code_corpus(corpus, corpus / "meta.csv")
    return blocked, len(glued.decode("utf-8")) + glued.count(b"\n")


def test_a_large_file_is_cleaned_in_blocks_and_joined_back(blocked_run):
    result, raw_chars = blocked_run
    (row,) = result.files.to_dict("records")
    assert row["raw_chars"] == raw_chars and row["balanced"] and row["n_articles"] == len(result.articles)
    assert "blocks cut at paragraph breaks" in row["message"] and row["message"] in result.messages
    cuts = result.cleaning_log.query("kind == 'block'")
    assert len(cuts) >= 3 and cuts.position.is_monotonic_increasing
    arts = result.articles
    assert list(arts.article_no) == list(range(1, len(arts) + 1))
    assert list(arts.article_id) == [f"glued-{n}" for n in arts.article_no]
    assert arts.set_index("article_no").city.get(7) == "乙" and arts.city.iloc[0] == "甲"
    units, expl = result.units, result.explanations
    assert units.unit_id.is_unique and (units.unit_id.str.rsplit("-", n=1).str[0] == units.article_id).all()
    assert set(expl.unit_id) <= set(units.unit_id)
    city = arts.set_index("article_id").city
    assert (units.city == units.article_id.map(city)).all()


def test_accounting_balances_over_the_blocks(blocked_run):
    result, raw_chars = blocked_run
    log = result.cleaning_log
    assert raw_chars - log.before.str.len().sum() + log.after.str.len().sum() == result.articles.text.str.len().sum()
    assert log.position.between(0, raw_chars).all()


def test_the_bring_your_own_corpus_example_runs(tmp_path):
    """examples/corpus (two invented reports, UTF-8 and GBK, with a manifest) as the README shows it."""
    corpus = paths.ROOT / "examples" / "corpus"
    proc = subprocess.run([sys.executable, "-m", "analysis", "run", "--corpus", str(corpus), "--out", str(tmp_path)],
                          capture_output=True, text=True, cwd=paths.ROOT)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    arts = pd.read_csv(tmp_path / "articles.csv", keep_default_na=False)
    assert list(arts.city) == ["某市", "某区"] and arts.relevant.all()
    units = pd.read_csv(tmp_path / "units.csv", keep_default_na=False)
    assert units.TRANSFORMATION.sum() >= 1 and units.SAFETY_SENSE.sum() >= 2


def test_make_study_with_a_corpus_writes_to_runs_and_leaves_the_notebooks_alone():
    dry = subprocess.run(["make", "-n", "study", "CORPUS=examples/corpus/"], capture_output=True, text=True,
                         cwd=paths.ROOT).stdout
    assert "--corpus examples/corpus/ --out runs/corpus" in dry and "analysis notebooks" not in dry
    seeds = subprocess.run(["make", "-n", "study"], capture_output=True, text=True, cwd=paths.ROOT).stdout
    assert "--corpus seeds --out data" in seeds and "analysis notebooks" in seeds


def test_batches_keep_order_group_small_files_and_never_two_blocks_of_one_file(tmp_path, monkeypatch):
    from analysis import pipeline
    from analysis.pipeline import FileTask, batches

    monkeypatch.setattr(pipeline, "BATCH_BYTES", 100)
    for name, size in [("a", 40), ("b", 40), ("c", 40), ("big1", 30), ("big2", 30), ("d", 10)]:
        (tmp_path / name).write_bytes(b"x" * size)
    tasks = [FileTask(str(tmp_path / n), n, n) for n in "abc"]
    tasks += [FileTask(str(tmp_path / f"big{k}"), "big.txt", "big", block=k) for k in (1, 2)]
    tasks += [FileTask(str(tmp_path / "d"), "d", "d")]
    groups = batches(tasks)
    assert [t for g in groups for t in g] == tasks
    assert [[Path(t.path).name for t in g] for g in groups] == [["a", "b"], ["c", "big1"], ["big2", "d"]]
