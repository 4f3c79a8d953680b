"""Validation design and tables: the split, the manual sheets, gold, and freshness of data/."""
import pandas as pd
import pytest

from analysis import paths
from analysis.coder import code_units
from analysis.segment import units_frame
from analysis.validation import (CODES, assign_split, build_gold, disagreements, errors_table, gold_table,
                                 load_manual, read_sheet, reliability_table)


@pytest.fixture(scope="module")
def units():
    arts = pd.read_csv(paths.DATA / paths.ARTICLES_CSV, keep_default_na=False)
    return units_frame(arts[arts.relevant])


def test_split_is_the_committed_one_and_balanced(units):
    fresh = assign_split(units)
    committed = pd.read_csv(paths.SPLIT_CSV)
    assert fresh.equals(committed)
    counts = committed.groupby(["article_id", "split"]).size().unstack()
    assert ((counts["dev"] - counts["test"]).abs() <= 1).all()


def test_split_does_not_depend_on_the_text(units):
    changed = units.assign(text="同一句话。")
    assert assign_split(changed).equals(assign_split(units))


def test_manual_sheets_cover_every_unit(units):
    sheet_a, sheet_b, decisions = load_manual()
    assert list(sheet_a.index) == list(units.unit_id) == list(sheet_b.index)


def test_every_disagreement_is_adjudicated_with_a_reason():
    sheet_a, sheet_b, decisions = load_manual()
    pairs = disagreements(sheet_a, sheet_b)[["unit_id", "code"]]
    decided = decisions[["unit_id", "code"]]
    assert sorted(map(tuple, pairs.values)) == sorted(map(tuple, decided.values))
    assert (decisions.reason.str.len() > 10).all()
    assert all(d in (a, b) for d, a, b in zip(decisions.decision, decisions.coder_a, decisions.coder_b))


def test_gold_keeps_agreed_codes_and_applies_decisions(tmp_path):
    a = pd.DataFrame({"unit_id": ["u1", "u2"], **{c: ["0", "1"] for c in CODES if c != "SPEAKER"},
                      "SPEAKER": ["none", "official"], "note": ["", ""]})
    a.to_csv(tmp_path / "sheet.csv", index=False)
    sheet = read_sheet(tmp_path / "sheet.csv")
    decisions = pd.DataFrame({"unit_id": ["u2"], "code": ["OUTCOME"], "decision": ["0"]})
    gold = build_gold(sheet, decisions)
    assert gold.at["u2", "OUTCOME"] == 0 and gold.at["u2", "CONTROL"] == 1 and gold.at["u1", "SPEAKER"] == "none"


def test_bad_sheet_is_refused_with_a_message(tmp_path):
    bad = pd.DataFrame({"unit_id": ["u1"], **{c: ["2"] for c in CODES if c != "SPEAKER"}, "SPEAKER": ["boss"]})
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match="TRANSFORMATION not 0/1.*SPEAKER not in"):
        read_sheet(tmp_path / "bad.csv")


def test_committed_validation_tables_are_fresh(units):
    """data/gold.csv, reliability.csv and coder_errors.csv equal what the code computes now."""
    sheet_a, sheet_b, decisions = load_manual()
    split = pd.read_csv(paths.SPLIT_CSV)
    auto = code_units(units)
    gold = gold_table(sheet_a, decisions, split)
    fresh = {
        paths.GOLD_CSV: gold.to_csv(index=False, lineterminator="\n"),
        paths.RELIABILITY_CSV: reliability_table(sheet_a, sheet_b, gold, auto, split).to_csv(
            index=False, lineterminator="\n", float_format="%.4f"),
        paths.DATA / "coder_errors.csv": errors_table(gold, auto).to_csv(index=False, lineterminator="\n"),
    }
    for path, text in fresh.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run make study"
