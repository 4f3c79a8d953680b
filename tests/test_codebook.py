"""Tests of analysis.codebook and the shipped codebook (analysis/codebook.yaml)."""
from __future__ import annotations

import copy
import re

import pandas as pd
import pytest
import yaml

from analysis.codebook import (
    ANCHORS_PER_FRAME,
    CODEBOOK_YAML,
    FRAME_CODES,
    NEAR_MISSES_PER_FRAME,
    SHEET_COLUMNS,
    SPEAKER_VALUES,
    Codebook,
    CodebookError,
    Frame,
    codebook_markdown,
    codebook_table,
    coding_sheet,
    load_codebook,
    parse_codebook,
)
from analysis.paths import SEEDS
from analysis.segment import KINDS, units_frame

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_codebook()


@pytest.fixture()
def raw() -> dict:
    """The shipped YAML as parsed data, to be broken by a test."""
    return yaml.safe_load(CODEBOOK_YAML.read_text(encoding="utf-8"))


def all_examples(cb: Codebook):
    """(where, example) for every quoted corpus unit of the codebook."""
    for f in cb.frames:
        for ex in f.anchors:
            yield f"{f.code} anchor", ex
        for ex in f.near_misses:
            yield f"{f.code} near miss", ex
    for value in cb.speaker_values.values():
        for ex in value.examples:
            yield f"SPEAKER {value.value}", ex


# -------------------------------------------------------------- the shipped codebook


def test_shipped_codebook_loads(codebook):
    assert codebook.version == "1.0"
    assert codebook.path == CODEBOOK_YAML
    assert codebook.unit_kinds == KINDS
    assert "several frames or none" in codebook.multi_label.lower()
    text = " ".join(codebook.instructions).lower()
    for phrase in ("read the whole article first", "context of its paragraph", "do not use keyword search"):
        assert phrase in text


def test_codes_present_unique_and_in_order(codebook):
    assert len(FRAME_CODES) == len(set(FRAME_CODES)) == 8
    assert codebook.codes == FRAME_CODES
    assert [f.code for f in codebook.frames] == list(FRAME_CODES)
    assert codebook.frame("OUTCOME").label_zh == "治安成效"
    with pytest.raises(KeyError, match="TRANSFORMATION"):
        codebook.frame("NOPE")


def test_labels_are_the_issues_labels(codebook):
    assert {f.code: f.label_zh for f in codebook.frames} == {
        "TRANSFORMATION": "转型叙事",
        "SAFETY_SENSE": "安全感诉求",
        "OUTCOME": "治安成效",
        "QUANTIFIED": "量化证据",
        "TECH_AGENCY": "技术主体",
        "CONTROL": "管控与监控",
        "SERVICE": "便民服务",
        "PARTNERSHIP": "警企/社会协作",
    }


def test_speaker_values(codebook):
    assert SPEAKER_VALUES == ("official", "citizen", "none")
    assert tuple(codebook.speaker_values) == SPEAKER_VALUES
    for name, value in codebook.speaker_values.items():
        assert value.value == name and value.definition and value.examples


def test_every_frame_is_complete(codebook):
    for f in codebook.frames:
        assert isinstance(f, Frame)
        assert f.label_zh and f.label_en and f.definition
        assert f.include and f.exclude
        assert all(rule.strip() for rule in f.include + f.exclude)
        assert ANCHORS_PER_FRAME[0] <= len(f.anchors) <= ANCHORS_PER_FRAME[1], f.code
        assert NEAR_MISSES_PER_FRAME[0] <= len(f.near_misses) <= NEAR_MISSES_PER_FRAME[1], f.code
        # a definition of 1-3 sentences
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", f.definition)) <= 3, f.code


def test_anchors_are_non_empty_clean_simplified_chinese(codebook):
    opencc = pytest.importorskip("opencc")
    to_simplified = opencc.OpenCC("t2s")
    for where, ex in all_examples(codebook):
        assert ex.text.strip() and HAN.search(ex.text), where
        assert ex.gloss.strip() and ex.why.strip() and ex.kind in KINDS, where
        assert not re.search(r"\([a-zü\u0100-\u01dc]+\)", ex.text), f"{where}: pinyin ruby in {ex.text}"
        assert not re.search(r"\?!|\?\?|</?span|\ufffd|〓", ex.text), f"{where}: mojibake in {ex.text}"
        assert to_simplified.convert(ex.text) == ex.text, f"{where}: not Simplified: {ex.text}"
        # fullwidth punctuation after Chinese, as the cleaning stage writes it
        assert not re.search(r"[\u4e00-\u9fff][,?!:;]", ex.text), f"{where}: halfwidth punctuation: {ex.text}"


def _corpus_han(text: str, to_simplified) -> str:
    text = re.sub(r"\([a-zü\u0100-\u01dc]+\)", "", text)  # pinyin ruby
    return "".join(re.findall(r"[\u4e00-\u9fff0-9]", to_simplified.convert(text)))


def test_examples_are_verbatim_units_of_the_study_corpus(codebook):
    """Every quoted unit occurs in its seed file (compared on Han characters and digits, which
    sets aside punctuation, pinyin, script and the mojibake of the raw files), and none comes
    from the off-topic sheep-farming article."""
    opencc = pytest.importorskip("opencc")
    to_simplified = opencc.OpenCC("tw2s")
    files = {p.name[:3]: p for p in SEEDS.glob("*.txt")}
    corpus = {prefix: _corpus_han(p.read_text(encoding="utf-8"), to_simplified) for prefix, p in files.items()}
    sheep_start = corpus["000"].index(_corpus_han("200多只羊死亡换来问责", to_simplified))
    for where, ex in all_examples(codebook):
        assert re.fullmatch(r"\d{3}-\d+", ex.source), f"{where}: bad source {ex.source!r}"
        assert ex.source != "000-2", f"{where}: the sheep-farming article is not part of the study"
        prefix = ex.source.split("-")[0]
        assert prefix in corpus, f"{where}: no seed file for {ex.source}"
        needle = _corpus_han(ex.text, to_simplified)
        found = corpus[prefix].find(needle)
        assert found >= 0, f"{where}: not found in seeds/{files[prefix].name}: {ex.text}"
        if prefix == "000":
            assert found < sheep_start, f"{where}: quoted from the sheep-farming article"


def test_no_text_is_both_anchor_and_near_miss_of_a_frame(codebook):
    for f in codebook.frames:
        assert not {a.text for a in f.anchors} & {n.text for n in f.near_misses}, f.code


@pytest.mark.parametrize(
    "code, cues",
    [
        ("TRANSFORMATION", ["汗水", "之前", "传统方式", "以往数据分散", "e居卡", "节约了警力",
                            "随着公安工作逐步走向信息化、科技化", "以前每年3万辆电动车被盗", "警力有限",
                            "lone 如今", "criminals' methods"]),
        ("OUTCOME", ["串并", "供认不讳", "破案效率提高", "打击更准", "rankings", "not yet confirmed",
                     "阶段性成效", "效能"]),
        ("QUANTIFIED", ["time to solve", "prices", "Ages", "Dates"]),
        ("SAFETY_SENSE", ["严重影响群众安全感的八类案件", "不用担心", "不怕", "放心", "心里的大石头落了地"]),
        ("TECH_AGENCY", ["禁毒的云", "提供强大的数据支撑", "features", "only named, built", "planned"]),
        ("CONTROL", ["grid deployment", "防控/管控/排查", "suspect's position"]),
        ("PARTNERSHIP", ["named social actor", "unnamed non-police cameras", "only among state bodies"]),
    ],
)
def test_settled_rules_are_folded_in(codebook, code, cues):
    """The settled borderline rules (codebook-rules.md) appear in the frame's include/exclude."""
    f = codebook.frame(code)
    rules = " ".join(f.include + f.exclude).lower()
    for cue in cues:
        assert cue.lower() in rules, f"{code}: settled rule {cue!r} not in include/exclude"


def test_settled_speaker_rules_are_folded_in(codebook):
    official = " ".join(codebook.speaker_values["official"].rules)
    citizen = " ".join(codebook.speaker_values["citizen"].rules)
    none = " ".join(codebook.speaker_values["none"].rules)
    for cue in ("continue an official's reported speech", "据介绍", "data attributed to the police",
                "Party or state documents"):
        assert cue in official
    assert "心想" in citizen and "report to the police" in citizen
    assert "Page furniture" in none and "every frame 0" in none


# -------------------------------------------------------------- broken codebooks


def _load(tmp_path, data) -> Codebook:
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_codebook(path)


def test_round_trip_of_the_shipped_data(tmp_path, raw, codebook):
    assert _load(tmp_path, raw) == codebook


def test_missing_code(tmp_path, raw):
    raw["frames"] = [f for f in raw["frames"] if f["code"] != "OUTCOME"]
    with pytest.raises(CodebookError, match=r"missing frame code\(s\): OUTCOME"):
        _load(tmp_path, raw)


def test_duplicate_code(tmp_path, raw):
    raw["frames"].append(copy.deepcopy(raw["frames"][5]))
    with pytest.raises(CodebookError, match=r"duplicate frame code\(s\): CONTROL"):
        _load(tmp_path, raw)


def test_unknown_code(tmp_path, raw):
    raw["frames"][0]["code"] = "TRANSFORM"
    with pytest.raises(CodebookError) as err:
        _load(tmp_path, raw)
    assert "unknown frame code(s): TRANSFORM" in str(err.value)
    assert "missing frame code(s): TRANSFORMATION" in str(err.value)


def test_codes_out_of_order(tmp_path, raw):
    raw["frames"][0], raw["frames"][1] = raw["frames"][1], raw["frames"][0]
    with pytest.raises(CodebookError, match="frames must be in the order TRANSFORMATION, SAFETY_SENSE"):
        _load(tmp_path, raw)


@pytest.mark.parametrize(
    "values, message",
    [
        (["official", "citizen", "reporter"], r"unknown: 'reporter'; missing: none"),
        (["official", "citizen"], r"missing: none"),
        (["official", "citizen", "none", "none"], r"duplicated: none"),
        (["citizen", "official", "none"], r"in the order citizen, official, none"),
    ],
)
def test_bad_speaker_values(tmp_path, raw, values, message):
    by_name = {v["value"]: v for v in raw["speaker"]["values"]}
    template = by_name["none"]
    raw["speaker"]["values"] = [
        {**copy.deepcopy(by_name.get(name, template)), "value": name} for name in values
    ]
    with pytest.raises(CodebookError, match="speaker values must be exactly official, citizen, none") as err:
        _load(tmp_path, raw)
    assert re.search(message, str(err.value))


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda f: f.pop("definition"), r"frame SERVICE: missing field\(s\) 'definition'"),
        (lambda f: f.update(include=[]), r"frame SERVICE: 'include' must be a non-empty list"),
        (lambda f: f.update(exclude=["  "]), r"frame SERVICE: exclude\[0\] must be a non-empty string"),
        (lambda f: f.update(label_en=""), r"frame SERVICE: 'label_en' must be a non-empty string"),
        (lambda f: f.update(label_zh="Service"), r"frame SERVICE: 'label_zh' must be Chinese"),
        (lambda f: f.update(exlude=f["exclude"]), r"frame SERVICE: unknown field\(s\) 'exlude'"),
        (lambda f: f.update(anchors=f["anchors"][:1]), r"frame SERVICE: 'anchors' must have 2 to 4 entries, has 1"),
        (lambda f: f.update(near_misses=[]), r"frame SERVICE: 'near_misses' must be a non-empty list"),
        (lambda f: f["anchors"][1].update(text="convenience for citizens"),
         r"frame SERVICE, anchors\[1\]: 'text' must be Chinese"),
        (lambda f: f["anchors"][0].pop("gloss"), r"frame SERVICE, anchors\[0\]: missing field\(s\) 'gloss'"),
        (lambda f: f["near_misses"][0].update(kind="paragraph"),
         r"frame SERVICE, near_misses\[0\]: 'kind' must be one of title, subtitle, heading, sentence"),
    ],
)
def test_broken_frame_fields(tmp_path, raw, breakage, message):
    service = next(f for f in raw["frames"] if f["code"] == "SERVICE")
    breakage(service)
    with pytest.raises(CodebookError, match=message):
        _load(tmp_path, raw)


def test_unquoted_version(tmp_path, raw):
    raw["meta"]["version"] = 1.0
    with pytest.raises(CodebookError, match=r"'version' must be a quoted string such as \"1.0\", got 1.0"):
        _load(tmp_path, raw)


def test_every_problem_is_reported_with_the_file_name(tmp_path, raw):
    raw["frames"] = [f for f in raw["frames"] if f["code"] != "QUANTIFIED"]
    raw["frames"][0]["include"] = []
    raw["speaker"]["values"][0]["value"] = "police"
    path = tmp_path / "codebook.yaml"
    with pytest.raises(CodebookError) as err:
        _load(tmp_path, raw)
    text = str(err.value)
    assert text.startswith(str(path))
    assert "3 problem(s)" in text
    assert "missing frame code(s): QUANTIFIED" in text
    assert "frame TRANSFORMATION: 'include' must be a non-empty list" in text
    assert "unknown: 'police'" in text


def test_invalid_yaml_and_wrong_shapes(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("meta: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(path)
    with pytest.raises(CodebookError, match="top level: must be a mapping"):
        parse_codebook(["not", "a", "mapping"])
    with pytest.raises(CodebookError, match=r"top level: missing field\(s\) 'frames', 'speaker'"):
        parse_codebook({"meta": {}})
    with pytest.raises(FileNotFoundError):
        load_codebook(tmp_path / "absent.yaml")


# -------------------------------------------------------------- table, sheet, markdown


def test_codebook_table(codebook):
    table = codebook_table(codebook)
    assert list(table.columns) == ["code", "中文", "English", "definition", "include", "exclude", "anchor"]
    assert list(table["code"]) == list(FRAME_CODES)
    row = table.set_index("code").loc["TRANSFORMATION"]
    assert row["中文"] == "转型叙事"
    assert row["anchor"].startswith(codebook.frame("TRANSFORMATION").anchors[0].text)
    assert row["include"].startswith("• ") and row["include"].count("\n• ") == len(codebook.frame("TRANSFORMATION").include) - 1
    assert table.notna().all().all()


def test_codebook_table_loads_the_shipped_codebook_by_default():
    assert list(codebook_table()["code"]) == list(FRAME_CODES)


def _units() -> pd.DataFrame:
    articles = pd.DataFrame({
        "article_id": ["A1", "A2"],
        "city": ["温州", "绍兴"],
        "title": ["“汗水警务”向“智慧警务”的转变", "民警个个成神探 百姓满满安全感"],
        "text": ["以前靠体力。现在靠数据。\n科技围城\n群众更满意。", "“咱们这里的警察，了不起！”"],
    })
    return units_frame(articles)


def test_coding_sheet_columns_and_empty_cells():
    units = _units()
    sheet = coding_sheet(units)
    assert list(sheet.columns) == list(SHEET_COLUMNS) == [
        "unit_id", "article_id", "kind", "text", *FRAME_CODES, "SPEAKER", "note"
    ]
    assert list(sheet["unit_id"]) == list(units["unit_id"])
    assert list(sheet["text"]) == list(units["text"])
    assert list(sheet["kind"]) == list(units["kind"])
    coded = list(FRAME_CODES) + ["SPEAKER", "note"]
    assert sheet[coded].isna().all().all()
    assert all(str(sheet[c].dtype) == "Int8" for c in FRAME_CODES)
    assert "city" not in sheet.columns and "paragraph" not in sheet.columns


def test_coding_sheet_writes_empty_cells_and_accepts_codes(tmp_path):
    sheet = coding_sheet(_units())
    path = tmp_path / "sheet.csv"
    sheet.to_csv(path, index=False)
    first_row = path.read_text(encoding="utf-8").splitlines()[1]
    assert first_row.endswith("," * (len(FRAME_CODES) + 2))
    sheet.loc[0, "TRANSFORMATION"] = 1
    sheet.loc[0, "SPEAKER"] = "none"
    assert sheet.loc[0, "TRANSFORMATION"] == 1 and sheet.loc[0, "SPEAKER"] == "none"


def test_coding_sheet_keeps_row_order_and_resets_the_index():
    units = _units().iloc[::-1].set_axis(range(100, 100 + len(_units())))
    sheet = coding_sheet(units)
    assert list(sheet.index) == list(range(len(units)))
    assert list(sheet["unit_id"]) == list(units["unit_id"])


def test_coding_sheet_errors():
    units = _units()
    with pytest.raises(KeyError, match="text"):
        coding_sheet(units.drop(columns="text"))
    with pytest.raises(ValueError, match="duplicate unit_id"):
        coding_sheet(pd.concat([units, units.iloc[:1]]))
    empty = coding_sheet(units.iloc[:0])
    assert list(empty.columns) == list(SHEET_COLUMNS) and len(empty) == 0


def test_markdown_contains_every_code_label_and_example(codebook):
    md = codebook_markdown(codebook)
    assert md.startswith("# ") and md.endswith("\n")
    assert "Version 1.0" in md
    for f in codebook.frames:
        assert f"## {f.code} · {f.label_zh} · {f.label_en}" in md
        assert f"| `{f.code}` |" in md
        assert f.definition in md
        for rule in f.include + f.exclude:
            assert rule in md
    for where, ex in all_examples(codebook):
        assert ex.text in md and ex.gloss in md, where
    for value in SPEAKER_VALUES:
        assert f"### `{value}`" in md
    assert md.index("## TRANSFORMATION") < md.index("## SAFETY_SENSE") < md.index("## PARTNERSHIP") < md.index("## SPEAKER")
    assert codebook_markdown() == md
