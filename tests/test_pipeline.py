"""The pipeline on the seed corpus: accounting, segmentation, metadata, freshness, idempotence."""
import hashlib
import re
import subprocess
import sys

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
