"""Validation design: the development/test split of the coded units.

The split is fixed before any automatic coding rule is written: rules are tuned on the
development half only and the test half is scored once. Within each article the units are
ordered by a keyed hash of their ID (seeded, so reproducible and independent of the text),
and the first half (rounded up) is development: a stratified random half.
"""
from __future__ import annotations

import hashlib

import pandas as pd

SPLIT_SEED = 20261123


def _key(unit_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{unit_id}".encode("utf-8")).hexdigest()


def assign_split(units: pd.DataFrame, seed: int = SPLIT_SEED) -> pd.DataFrame:
    """``unit_id, article_id, split`` with split ∈ {dev, test}, stratified by article."""
    rows = []
    for article_id, group in units.groupby("article_id", sort=True):
        ordered = sorted(group["unit_id"], key=lambda uid: _key(uid, seed))
        n_dev = (len(ordered) + 1) // 2
        dev = set(ordered[:n_dev])
        rows += [(uid, article_id, "dev" if uid in dev else "test") for uid in group["unit_id"]]
    return pd.DataFrame(rows, columns=["unit_id", "article_id", "split"])


# ---------------------------------------------------------------- manual sheets, reliability, gold

from analysis.codebook import FRAME_CODES, SPEAKER_VALUES  # noqa: E402
from analysis.reliability import alpha, bootstrap_alpha, precision_recall_f1, verdict  # noqa: E402

CODES = list(FRAME_CODES) + ["SPEAKER"]


def read_sheet(path) -> pd.DataFrame:
    """A manual coding sheet, checked: frames 0/1, SPEAKER one of the values, unique unit IDs."""
    sheet = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    missing = [c for c in ["unit_id"] + CODES if c not in sheet.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    if sheet.unit_id.duplicated().any():
        problems.append(f"duplicate unit_id {sorted(sheet.unit_id[sheet.unit_id.duplicated()])[:5]}")
    for code in FRAME_CODES:
        bad = sheet.loc[~sheet[code].isin(["0", "1"]), "unit_id"]
        if len(bad):
            problems.append(f"{code} not 0/1 for {list(bad)[:5]}")
    bad = sheet.loc[~sheet.SPEAKER.isin(SPEAKER_VALUES), "unit_id"]
    if len(bad):
        problems.append(f"SPEAKER not in {SPEAKER_VALUES} for {list(bad)[:5]}")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    for code in FRAME_CODES:
        sheet[code] = sheet[code].astype(int)
    return sheet.set_index("unit_id")


def human_reliability(sheet_a: pd.DataFrame, sheet_b: pd.DataFrame, n_boot: int = 2000) -> pd.DataFrame:
    """Krippendorff's α (nominal) per code between two coders, with bootstrap 95% CI and N."""
    ids = sheet_a.index.intersection(sheet_b.index)
    rows = []
    for code in CODES:
        a, b = sheet_a.loc[ids, code], sheet_b.loc[ids, code]
        result = bootstrap_alpha(a, b, n_boot=n_boot)
        rows.append({"code": code, "alpha": result.alpha, "ci_low": result.low, "ci_high": result.high,
                     "n_units": result.n_units, "agreement": float((a == b).mean()),
                     "n_1_coder_a": int((a == 1).sum()) if code != "SPEAKER" else None,
                     "n_1_coder_b": int((b == 1).sum()) if code != "SPEAKER" else None,
                     "verdict": result.verdict})
    return pd.DataFrame(rows)


def disagreements(sheet_a: pd.DataFrame, sheet_b: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, code) on which the coders differ."""
    ids = sheet_a.index.intersection(sheet_b.index)
    rows = []
    for uid in ids:
        for code in CODES:
            va, vb = sheet_a.at[uid, code], sheet_b.at[uid, code]
            if va != vb:
                rows.append({"unit_id": uid, "code": code, "coder_a": va, "coder_b": vb,
                             "note_a": sheet_a.at[uid, "note"] if "note" in sheet_a else "",
                             "note_b": sheet_b.at[uid, "note"] if "note" in sheet_b else ""})
    return pd.DataFrame(rows, columns=["unit_id", "code", "coder_a", "coder_b", "note_a", "note_b"])


def build_gold(sheet_a: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Gold = the agreed codes plus the adjudicated decisions (``unit_id, code, decision, reason``)."""
    gold = sheet_a[CODES].copy()
    for _, d in decisions.iterrows():
        value = d["decision"]
        gold.at[d["unit_id"], d["code"]] = int(value) if d["code"] != "SPEAKER" else value
    for code in FRAME_CODES:
        gold[code] = gold[code].astype(int)
    return gold


def evaluate(gold: pd.DataFrame, auto: pd.DataFrame, split: pd.DataFrame) -> pd.DataFrame:
    """The automatic coder against gold per code and split half: α, precision, recall, F1, N."""
    halves = split.set_index("unit_id")["split"]
    rows = []
    for half in ("dev", "test"):
        ids = [uid for uid in gold.index if halves.get(uid) == half]
        for code in CODES:
            g, p = gold.loc[ids, code], auto.loc[ids, code]
            row = {"split": half, "code": code, "n_units": len(ids), "alpha": alpha(g, p),
                   "agreement": float((g == p).mean())}
            row["verdict"] = verdict(row["alpha"])
            if code != "SPEAKER":
                row.update(precision_recall_f1(g, p))
                row["gold_1"] = int(g.sum())
            rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- the validation run

from analysis import paths  # noqa: E402


def load_manual(manual=None):
    """Coder A's and B's sheets and the adjudication decisions from ``data/manual/``."""
    manual = paths.MANUAL if manual is None else manual
    sheet_a = read_sheet(manual / "coder_a.csv")
    sheet_b = read_sheet(manual / "coder_b.csv")
    decisions = pd.read_csv(manual / "adjudication.csv", dtype=str, keep_default_na=False)
    return sheet_a, sheet_b, decisions


def gold_table(sheet_a, decisions, split: pd.DataFrame) -> pd.DataFrame:
    """The adjudicated gold standard with each unit's split half."""
    gold = build_gold(sheet_a, decisions)
    halves = split.set_index("unit_id")["split"]
    gold.insert(0, "split", [halves[uid] for uid in gold.index])
    return gold.reset_index()


def reliability_table(sheet_a, sheet_b, gold: pd.DataFrame, auto: pd.DataFrame, split: pd.DataFrame,
                      n_boot: int = 2000) -> pd.DataFrame:
    """Human α (coder A vs B, all units) and the automatic coder against gold (dev and test)."""
    human = human_reliability(sheet_a, sheet_b, n_boot=n_boot)
    human.insert(0, "comparison", "coder A vs coder B")
    human.insert(1, "split", "all")
    machine = evaluate(gold.set_index("unit_id"), auto.set_index("unit_id"), split)
    machine.insert(0, "comparison", "automatic vs gold")
    columns = ["comparison", "split", "code", "n_units", "alpha", "ci_low", "ci_high", "verdict", "agreement",
               "precision", "recall", "f1", "tp", "fp", "fn", "gold_1"]
    table = pd.concat([human, machine], ignore_index=True).reindex(columns=columns)
    return table.round(4)  # what data/reliability.csv holds, so figures drawn from either agree


def errors_table(gold: pd.DataFrame, auto: pd.DataFrame) -> pd.DataFrame:
    """Every unit and code where the automatic coder differs from gold (false positives and negatives)."""
    g = gold.set_index("unit_id")
    a = auto.set_index("unit_id")
    rows = []
    for uid in g.index:
        for code in CODES:
            if g.at[uid, code] != a.at[uid, code]:
                kind = ("false positive" if a.at[uid, code] == 1 else "false negative") if code != "SPEAKER" else "speaker"
                rows.append({"unit_id": uid, "split": g.at[uid, "split"], "code": code, "gold": g.at[uid, code],
                             "automatic": a.at[uid, code], "error": kind, "text": a.at[uid, "text"]})
    return pd.DataFrame(rows, columns=["unit_id", "split", "code", "gold", "automatic", "error", "text"])
