"""Safety-sense claims and the figures offered as evidence (notebook 04).

Two tables, both built by stated rules from tables the study already has:

* :func:`safety_claims` — every unit that the **adjudicated gold** codes SAFETY_SENSE, with the
  kind of evidence offered for it and what it credits the safety to.
* :func:`quantified_claims` — every performance figure in the corpus: each number that
  :func:`analysis.coder.extract_numbers` classifies with an evidence kind (change, percent,
  fraction, multiple, magnitude, count, duration, rank, money), with the metric it measures, its
  value, unit, direction and comparison basis.

The labels are **rule-assigned descriptive labels**, not a second coding by people: they say what
the text around a claim offers, read by the rules below, and the rule behind each label is a column
of the table (``evidence_rule``, ``attribution_rule``, ``metric_rule``). Nothing here says whether
a claim is true.

Evidence type of a safety claim
-------------------------------
Flags, from the gold codes of the unit and of the sentences around it ("adjacent" means the
previous or the next sentence unit of the same paragraph; titles and headings have no paragraph,
so only rules about the unit itself apply to them):

* ``S1`` statistic — the unit is QUANTIFIED; ``S2`` — an adjacent sentence is QUANTIFIED.
* ``T1`` resident testimony — the unit's SPEAKER is ``citizen``; ``T2`` — an adjacent sentence's
  SPEAKER is ``citizen`` (a claim that introduces or sums up a resident's words).
* ``C1`` case story — the paragraph narrates a specific case: a unit of the paragraph is OUTCOME
  and the paragraph names a dated or named incident (:data:`INCIDENT`: a day-precision date or
  前几天/日前/深夜 …, an individuated case 一宗/一起/该案/这个团伙 …, or a private person 胡某,
  刘先生); ``C2`` — the unit itself narrates the experience of a named private person (胡某,
  刘先生) without a police outcome.
* otherwise ``B`` bare assertion.

``evidence_type`` is the first flag that holds in the order **resident testimony → statistic →
case story → bare assertion**: whose voice the claim is in decides first (a resident's own words
are testimony even when a police figure stands next to them), then the figures next to it, then the
story the paragraph tells. All three flags are kept (``statistic``, ``testimony``,
``case_story``), so a reader can re-rank them; ``evidence_units`` lists the unit IDs behind the
chosen type.

What the claim credits (attribution)
------------------------------------
Terms in the unit itself (the term classes are those of the automatic coder,
``analysis/resources/coder_rules.yaml``):

* ``A1`` named system — a named system or programme (:data:`NAMED_SYSTEMS`: 慧眼, 科技护城墙,
  科技围城, 四智 …) or a short quoted name that contains a technology term (“慧眼”);
* ``A2`` technology — a term of the class ``TECH`` (大数据, 视频, 科技, 信息化 …); 数据 on its
  own is not counted, as it usually means figures (有组数据特别能体现…);
* ``A3`` police work — a term of the class ``POLICE`` (公安, 警方, 民警, 警察 …) or a police
  result of the class ``POLICE_RESULT`` (破案, 侦破, 抓获 …);
* ``A0`` none stated.

``attribution`` joins what holds: ``named system`` (which implies technology), or ``technology``,
then ``police work``, e.g. ``named system + police work``; ``none stated`` when nothing does. A
term being present is not proof that the sentence credits it; read ``attribution_terms``.

Quantified claims
-----------------
One row per number of an evidence kind (``numbers.evidence_kinds`` of the coder's rules) in any
unit. ``value`` is :func:`~analysis.coder.extract_numbers`'s normalised value (3.37万 → 33700,
282亿 → 2.82e10, 两 → 2, 四分之一 → 0.25, 十几 → 10, the lower bound); ``unit`` is its measure
word with time units merged (个小时 → 小时, 个月/个多月 → 月, 秒钟 → 秒); ``qualifier`` keeps
the approximation (多, 余, 几, 近, 超过, 以上, 不到, 内 …). Then, per number:

* **metric** (``metric_rule``) — the noun phrase the number measures:

  - ``M1`` the nearest preceding noun phrase in the clause. The window runs from the clause
    start (or from the end of the previous number in the clause, unless that number is a
    threshold inside the phrase, 12小时内破案的 / 100万元以上的案件, or part of a name, 八类) to the
    number. The phrase starts after the window's last action verb (:data:`ACTION`: 抓获, 破获,
    建成 …, kept in ``action``; not 破案数, 打击数) and after its last 的 (not a threshold's);
    predicate words are stripped from the right (:data:`PREDICATE`: 同比, 分别, 下降, 均, 列, 全省,
    仅 …), openers from the left (:data:`OPENERS`: 其中, 全市, 每天 … and the article's place
    names). When nothing is left after the action verb, the phrase before it (攀爬入室…作案5宗)
    or the verb itself (破案5宗).
  - ``M2`` the noun phrase after the number (up to a stop word: 全部, 均, 免费, 被 …), when M1 finds
    nothing (近5000名失能老人, 3万辆电动车被盗), when the number sums a list (…等3起案件) or follows
    a 的 (以李某丰为首的9名…嫌疑人), or when it counts kinds (34大类、114小类的业务数据).
  - ``M3`` for a duration: the time to the result that follows (仅用10小时就破案 → 破案用时;
    30分钟锁定 → 锁定用时; the first result verb after the number in its sentence), when the number
    is introduced by 用/用了/仅用/花了 …, when the text after it starts with a result verb, or when
    M1 and M2 find nothing.
  - ``M4`` lists: when numbers follow each other with only 、/和 between them (分别下降19.1%、
    9.1%和18.6%), a list of as many metrics (违法犯罪警情、刑事案件立案数、治安案件受理数) is
    paired with them in order; otherwise every number of the list takes the first one's metric.
    A single number keeps a whole list as its metric (M1: 在线率、使用率和刷卡率均保持在90%以上).
  - ``M5`` otherwise the metric of the previous number in the unit (两位数 after 连续7年;
    没有一份 after 600多份的提案和建议); ``M0`` none found.

* **direction** — the nearest direction word (:data:`DIRECTIONS`: 下降, 上升, 减少, 增长, 增加,
  提高, 提升, 降低, 缩短) before the number in its clause (a list shares its head's), else right
  after it (两位数下降); ``trend`` is ``down``/``up``/``none``.
* **basis** — 同比/环比 in the clause; a year or 去年 after 比/较/与 (比2015年); 以前/过去 in the
  sentence (a before/after contrast, 以前…每年3万辆); otherwise ``none``.
* **period** — the reporting period named in the sentence (2019年, 今年以来, 从2014年至今 …).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

import pandas as pd
import yaml

from analysis.coder import (RULES_YAML, NumberMention, _alternation, _expander, clause_bounds, evidence_kinds,
                            extract_numbers)

__all__ = [
    "ACTION",
    "ATTRIBUTIONS",
    "CLAIM_COLUMNS",
    "DIRECTIONS",
    "EVIDENCE_TYPES",
    "FIGURE_TYPES",
    "INCIDENT",
    "NAMED_SYSTEMS",
    "OPENERS",
    "PREDICATE",
    "QUANTIFIED_COLUMNS",
    "attribution_of",
    "basis_of",
    "city_labels",
    "direction_of",
    "figure_type",
    "normalise_unit",
    "plot_claims_by_evidence",
    "plot_quantified_claims",
    "quantified_claims",
    "safety_claims",
]

#: Evidence types, in the order the rules are tried, with bilingual labels for figures.
EVIDENCE_TYPES = {
    "resident testimony": "resident testimony 群众证言",
    "statistic": "statistic 统计数字",
    "case story": "case story 案例故事",
    "bare assertion": "bare assertion 直接断言",
}
#: Attribution categories.
ATTRIBUTIONS = ("named system", "technology", "police work", "none stated")

CLAIM_COLUMNS = [
    "unit_id", "article_id", "city", "city_en", "province", "year", "outlet", "kind", "speaker",
    "evidence_type", "evidence_rule", "evidence_units", "statistic", "testimony", "case_story",
    "attribution", "attribution_rule", "attribution_terms", "text",
]
QUANTIFIED_COLUMNS = [
    "unit_id", "article_id", "city", "city_en", "province", "year", "number", "start", "kind", "value",
    "unit", "qualifier", "metric", "metric_rule", "action", "direction", "trend", "basis", "period", "clause",
]

#: Named police systems and programmes (project dictionary and glossary): A1.
NAMED_SYSTEMS = ("科技护城墙", "科技围城", "慧眼", "鹰眼", "天网", "雪亮工程", "金盾工程", "情报魔方", "最强大脑",
                 "四智", "智慧新警务", "云上禁毒", "大客流风险洞察系统", "警务云", "视频云")
#: A dated or named incident (C1) and a named private person (C1, C2).
PERSON = r"[\u4e00-\u9fff]某[\u4e00-\u9fff]?|[\u4e00-\u9fff](?:先生|女士|大爷|阿姨|师傅)"
INCIDENT = (r"\d{1,2}月\d{1,2}[日号]|[一二三四五六七八九十]+月[一二三四五六七八九十]+[日号]|前几天|日前|近日|当天|当晚|"
            r"当日|深夜|凌晨|昨天|昨日|一宗|一起|该案|此案|这起|这宗|该起|这个团伙|该团伙|" + PERSON)

#: Words stripped from the right end of a metric phrase (M1), longest first.
PREDICATE = ("同比下降", "同比上升", "同比", "环比", "分别", "均", "都", "大幅", "明显", "持续", "继续", "仍然", "仍",
             "已经", "已", "共计", "共", "累计", "总计", "合计", "高达", "达到", "达", "约", "将近", "近", "超过", "突破",
             "不到", "不足", "仅仅", "仅", "只", "就", "才", "了", "为", "是", "有", "保持在", "保持", "在", "至", "到",
             "列", "居", "位列", "名列", "位居", "排名", "全省", "全国", "全市", "连续", "一度", "等", "唯一一个", "唯一",
             "所有",
             "下降", "上升", "减少", "增长", "增加", "提高", "提升", "降低", "缩短", "以上", "以下", "以内", "之内", "内",
             "多", "余", "成功", "顺利", "实现", "基本")
#: Words stripped from the left end of a metric phrase (M1): scope, time and comparison openers.
OPENERS = ("其中", "全市", "全省", "全国", "全区", "全县", "每天", "每年", "平均每天", "今年以来", "去年以来", "截至目前",
           "目前", "如今", "以前", "过去", "这里", "时间", "经过", "从", "自", "同比", "环比", "分别", "已经", "已", "累计",
           "以上", "以下", "以内", "之内", "所有", "连续", "一度", "下降", "上升", "减少", "增长", "增加", "的", "、")
#: Action verbs (M1): the metric starts after the last of them; not when 数/率/量/人数 follows (破案数, 打击数).
ACTION = ("抓获", "破获", "侦破", "告破", "缴获", "起获", "查获", "追回", "找回", "打掉", "捣毁", "剿灭", "建成了", "建成",
          "安装", "发放", "推送", "产生", "获取", "汇聚了", "汇聚", "导入", "排查出", "发现", "串并到", "串并", "覆盖",
          "开展", "打击", "锁定", "处置", "接报", "发出", "作案", "破案", "占到", "占", "拥有", "采集")
#: Result verbs of a duration (M3).
RESULTS = ("破案", "破获", "告破", "侦破", "锁定", "抓获", "查实", "查明", "确定", "确认", "打掉", "捣毁", "赶到",
           "到达", "找到", "找回", "追回", "出警", "处置")
#: Direction words and their trend.
DIRECTIONS = {"下降": "down", "减少": "down", "降低": "down", "缩短": "down", "上升": "up", "增长": "up",
              "增加": "up", "提高": "up", "提升": "up"}
_DOWN_WORDS = ("降至", "降到")
_TIME_UNITS = {"个小时": "小时", "个多小时": "小时", "小时": "小时", "个月": "月", "个多月": "月", "个半月": "月",
               "个星期": "周", "星期": "周", "周": "周", "秒钟": "秒"}
_CLAUSE_END = "，。；！？：,;!?\n"
_SENTENCE_END = "。！？!?\n"
_LIST_SEP = re.compile(r"\s*(?:、|和|及|与|以及)\s*")
_VERBAL_TIME = re.compile(r"(?:仅仅用了|仅用了|仅用|只用了|只用|用了|花了|花去|耗时|历时|用)(?:仅|就|才)?$")
_THRESHOLD = re.compile(r"^(?:以上|以下|以内|之内|内)")
_KIND_UNITS = ("类", "大类", "小类", "种", "项")
_PROVINCE_EN = {"浙江": "Zhejiang", "贵州": "Guizhou", "湖北": "Hubei", "广东": "Guangdong", "云南": "Yunnan"}


# ====================================================================== term classes of the coder's rules


@lru_cache(maxsize=4)
def _term_class(name: str) -> re.Pattern:
    """A term class of ``coder_rules.yaml`` (``TECH``, ``POLICE`` …) compiled as one regex."""
    data = yaml.safe_load(RULES_YAML.read_text(encoding="utf-8"))
    defs = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    defs.update({str(k): _alternation(v) for k, v in (data.get("classes") or {}).items()})
    return re.compile(_expander(defs)("{" + name + "}"))


def _terms(regex: re.Pattern, text: str) -> list[str]:
    return list(dict.fromkeys(m.group() for m in regex.finditer(text) if m.group()))


def attribution_of(text: str) -> tuple[str, str, str]:
    """``(attribution, rule, terms)`` of one claim: rules A1–A3, A0 (see the module docstring)."""
    text = text if isinstance(text, str) else ""
    tech = _term_class("TECH")
    named = [n for n in NAMED_SYSTEMS if n in text]
    for q in re.finditer(r"“([^“”]{1,10})”", text):
        if tech.search(q.group(1)) and q.group(1) not in named and not any(q.group(1) in n for n in named):
            named.append(q.group(1))
    technology = [t for t in _terms(tech, text) if t != "数据" and not any(t in n for n in named)]
    police = _terms(_term_class("POLICE"), text) + _terms(_term_class("POLICE_RESULT"), text)
    parts, rules, terms = [], [], []
    if named:
        parts.append("named system")
        rules.append("A1")
        terms += named
    elif technology:
        parts.append("technology")
        rules.append("A2")
    terms += technology
    if police:
        parts.append("police work")
        rules.append("A3")
        terms += police
    if not parts:
        return "none stated", "A0", ""
    return " + ".join(parts), " ".join(rules), "; ".join(dict.fromkeys(terms))


# ====================================================================== safety claims


def _year(published) -> int | None:
    m = re.match(r"\s*(\d{4})", str(published))
    return int(m.group(1)) if m else None


def _article_meta(articles: pd.DataFrame) -> pd.DataFrame:
    meta = articles[["article_id", "city", "city_en", "province", "published", "outlet"]].copy()
    meta["year"] = [_year(p) for p in meta["published"]]
    meta["outlet"] = meta["outlet"].fillna("").astype(str)
    return meta.drop(columns="published").set_index("article_id")


def _neighbours(units: pd.DataFrame) -> dict[str, list[str]]:
    """unit_id → IDs of the previous and the next sentence of the same paragraph."""
    out: dict[str, list[str]] = {}
    for _, group in units.groupby("article_id", sort=False):
        rows = group.sort_values("unit_id")
        ids, kinds, pars = rows.unit_id.tolist(), rows.kind.tolist(), rows.paragraph.astype(int).tolist()
        for i, uid in enumerate(ids):
            out[uid] = [ids[j] for j in (i - 1, i + 1)
                        if 0 <= j < len(ids) and kinds[i] == kinds[j] == "sentence" and pars[j] == pars[i] >= 0]
    return out


def safety_claims(units: pd.DataFrame, gold: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Every unit that ``gold`` codes SAFETY_SENSE, typed by its evidence and attribution.

    ``units`` needs ``unit_id``, ``article_id``, ``kind``, ``paragraph`` and ``text`` (the unit
    table; any code columns in it are ignored); ``gold`` needs ``unit_id``, ``SAFETY_SENSE``,
    ``QUANTIFIED``, ``OUTCOME`` and ``SPEAKER`` (the adjudicated gold; passing the automatic codes
    instead gives the robustness check); ``articles`` gives ``city``, ``city_en``, ``province``,
    ``published`` (its first four digits are the ``year``) and ``outlet``. Columns
    :data:`CLAIM_COLUMNS`, one row per claim, ordered by ``unit_id``. The rules are in the module
    docstring; the labels are rule-assigned and descriptive.
    """
    codes = gold.set_index("unit_id")[["SAFETY_SENSE", "QUANTIFIED", "OUTCOME", "SPEAKER"]]
    base = units[["unit_id", "article_id", "kind", "paragraph", "text"]].copy()
    base["paragraph"] = base["paragraph"].astype(int)
    base = base.join(codes, on="unit_id", how="inner").sort_values("unit_id").reset_index(drop=True)
    meta = _article_meta(articles)
    near = _neighbours(base)
    by_id = base.set_index("unit_id")
    incident = re.compile(INCIDENT)
    person = re.compile(PERSON)
    rows = []
    for _, u in base[base.SAFETY_SENSE == 1].iterrows():
        uid = u.unit_id
        adjacent = near[uid]
        stat_self = bool(u.QUANTIFIED)
        stat_adj = [j for j in adjacent if by_id.at[j, "QUANTIFIED"] == 1]
        test_self = u.SPEAKER == "citizen"
        test_adj = [j for j in adjacent if by_id.at[j, "SPEAKER"] == "citizen"]
        case_units: list[str] = []
        case_rule = ""
        if u.paragraph >= 0 and u.kind == "sentence":
            par = base[(base.article_id == u.article_id) & (base.paragraph == u.paragraph)]
            outcome = par[par.OUTCOME == 1].unit_id.tolist()
            named = par[[bool(incident.search(t)) for t in par.text]].unit_id.tolist()
            if outcome and named:
                case_units, case_rule = sorted(set(outcome) | set(named)), "C1"
        if not case_rule and not u.OUTCOME and person.search(u.text):
            case_units, case_rule = [uid], "C2"
        if test_self or test_adj:
            etype = "resident testimony"
            rule, ev = ("T1", [uid]) if test_self else ("T2", test_adj)
        elif stat_self or stat_adj:
            etype = "statistic"
            rule, ev = ("S1", [uid] + stat_adj) if stat_self else ("S2", stat_adj)
        elif case_rule:
            etype, rule, ev = "case story", case_rule, case_units
        else:
            etype, rule, ev = "bare assertion", "B", [uid]
        attribution, arule, terms = attribution_of(u.text)
        m = meta.loc[u.article_id]
        rows.append({
            "unit_id": uid, "article_id": u.article_id, "city": m.city, "city_en": m.city_en,
            "province": m.province, "year": m.year, "outlet": m.outlet, "kind": u.kind, "speaker": u.SPEAKER,
            "evidence_type": etype, "evidence_rule": rule, "evidence_units": " ".join(ev),
            "statistic": stat_self or bool(stat_adj), "testimony": test_self or bool(test_adj),
            "case_story": bool(case_rule), "attribution": attribution, "attribution_rule": arule,
            "attribution_terms": terms, "text": u.text,
        })
    out = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    return out


# ====================================================================== quantified claims


def normalise_unit(unit: str) -> str:
    """The measure word with time units merged: 个小时 → 小时, 个多月 → 月, 秒钟 → 秒; others unchanged."""
    return _TIME_UNITS.get(unit, unit)


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(map(re.escape, dict.fromkeys(words)), key=len, reverse=True))


_PRED_RIGHT = re.compile(rf"(?:{_alt(PREDICATE)}|的|\s)$")
_OPEN_LEFT = re.compile(rf"^(?:{_alt(OPENERS)}|\s)")
_ACTION_RX = re.compile(rf"(?:{_alt(ACTION)})(?!数|率|量|人数|效率|效能)")
_RESULT_RX = re.compile(rf"破[\u4e00-\u9fff]{{0,6}}?案|{_alt(RESULTS)}")
_DIRECTION_RX = re.compile(rf"{_alt(list(DIRECTIONS) + list(_DOWN_WORDS))}")
_AFTER_STOP = re.compile(rf"全部|均|免费|对|是|在|为|顺利|已|共|被(?![盗抢骗])|\d|{_alt(RESULTS)}")
_PERIOD_RX = re.compile(r"(?:从|自)?(?:\d{4}|[〇零一二三四五六七八九]{4})年(?:全年|上半年|下半年|\d{1,2}月)?(?:至今|以来)?"
                        r"|今年以来|去年以来|今年|去年|截至目前|近年来|近段时间|一年多来")
_BASIS_RX = re.compile(r"同比|环比|(?<=[比较与])(?:\d{4}年|去年(?:同期)?|上年(?:同期)?)")
_BEFORE_RX = re.compile(r"以前(?!所未有)|过去")
_THRESHOLD_DE = re.compile(r"[\d一二两三四五六七八九十百千万亿]\S{0,3}(?:以上|以下|以内|之内|内)$")


def _strip(phrase: str, scope: tuple[str, ...] = ()) -> str:
    """Strip predicate words from the right and openers (and the article's place names) from the left."""
    left = re.compile(rf"^(?:{_alt(scope)})") if scope else None
    prev = None
    while phrase != prev:
        prev = phrase
        phrase = _PRED_RIGHT.sub("", phrase)
        phrase = _OPEN_LEFT.sub("", phrase)
        if left is not None:
            phrase = left.sub("", phrase)
    # a preposition or copula with nothing after it names no metric (为全市近 → 为)
    return "" if re.fullmatch(r"[为对在向把将是有]?", phrase) else phrase


def _cut(window: str) -> tuple[str, str, str]:
    """Split a window at its last action verb: (phrase after it, phrase before it, the verb).
    The phrase after starts after its last 的, unless that 的 closes a threshold (100万元以上的案件)."""
    last = None
    for m in _ACTION_RX.finditer(window):
        last = m
    after, before, action = (window[last.end():], window[:last.start()], last.group()) if last else (window, "", "")
    for k in range(len(after) - 2, -1, -1):
        if after[k] == "的" and not _THRESHOLD_DE.search(after[:k]):
            after = after[k + 1:]
            break
    return after, before, action


def _after_phrase(text: str, end: int, clause_end: int) -> str:
    """M2: the noun phrase right after a number (qualifiers, 的, 成功/实现 … skipped), up to a stop word."""
    rest = text[end:clause_end]
    rest = re.sub(r"^(?:以上|以下|以内|之内|内|左右|多|余|后|不到)*的?", "", rest)
    rest = re.sub(r"^(?:成功|顺利|已经|已|全部|共|实现)+", "", rest)
    if _DIRECTION_RX.match(rest) or _RESULT_RX.match(rest) or _ACTION_RX.match(rest):
        return ""
    m = _AFTER_STOP.search(rest)
    return rest[:m.start()] if m else rest


def _groups(mentions: list[NumberMention], text: str) -> list[list[int]]:
    """Indices of numbers joined only by 、/和/及/与 (a list of values)."""
    groups: list[list[int]] = []
    for i, m in enumerate(mentions):
        if groups and _LIST_SEP.fullmatch(text[mentions[groups[-1][-1]].end:m.start]):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def direction_of(text: str, start: int, end: int, window_start: int = 0) -> str:
    """The nearest direction word in ``text[window_start:start]``, else within 4 characters after ``end``
    (两位数下降); 降至/降到 count as 下降; ``none`` when there is none."""
    before = list(_DIRECTION_RX.finditer(text, window_start, start))
    if before:
        word = before[-1].group()
    else:
        m = _DIRECTION_RX.search(text, end, min(len(text), end + 4))
        word = m.group() if m else ""
    if word in _DOWN_WORDS:
        return "下降"
    return word or "none"


def basis_of(clause: str, sentence: str) -> str:
    """同比/环比, or a year or 去年 after 比/较/与, in the clause; else 以前/过去 in the sentence (not
    以前所未有); else ``none``."""
    m = _BASIS_RX.search(clause)
    if m:
        return m.group()
    m = _BEFORE_RX.search(sentence)
    return m.group() if m else "none"


def _result_after(text: str, start: int, end: int) -> str:
    r = _RESULT_RX.search(text, start, end)
    if not r:
        return ""
    return "破案" if r.group().startswith("破") and r.group().endswith("案") else r.group()


def _qualifier(text: str, m: NumberMention, sentence_start: int) -> str:
    marks = [q for q in ("几", "多", "余", "来") if q in m.text]
    pre = re.search(r"(?:将近|近|约|超过|突破|不到|不足|高达)$", text[max(sentence_start, m.start - 2):m.start])
    post = re.match(r"以上|以下|左右|以内|之内|内|不到|多", text[m.end:m.end + 2])
    return " ".join(dict.fromkeys(([pre.group()] if pre else []) + marks + ([post.group()] if post else [])))


def _unit_figures(text: str, scope: tuple[str, ...] = ()) -> list[dict]:
    """The performance figures of one unit's text, as rows of :func:`quantified_claims` (without article columns)."""
    mentions = extract_numbers(text)
    keep = set(evidence_kinds())
    groups = _groups(mentions, text)
    group_of = {i: g for g in groups for i in g}
    rows: list[dict] = []
    metric_of: dict[int, str] = {}
    last_metric = ""
    for i, m in enumerate(mentions):
        if m.kind not in keep:
            continue
        group = group_of[i]
        head, last = mentions[group[0]], mentions[group[-1]]
        cs, ce = clause_bounds(text, head.start, head.end, _CLAUSE_END)
        ss, se = clause_bounds(text, head.start, head.end, _SENTENCE_END)
        # the window: from the clause start, or from the end of the previous number in the clause
        # unless that number is a threshold inside the phrase (20年以上, 12小时内) or part of a name (八类)
        ws = cs
        for p in mentions[:group[0]]:
            if cs <= p.start and p.end <= head.start and p.kind != "name" \
                    and not _THRESHOLD.match(text[p.end:p.end + 2]):
                ws = p.end
        window = text[ws:head.start]
        after_action, before_action, action = _cut(window)
        p1 = _strip(after_action, scope)
        p2 = _strip(_after_phrase(text, last.end, ce), scope)
        tail = window.rstrip()
        rule, metric = "M0", ""
        if m.kind == "duration":
            lead = re.sub(r"^(?:以内|之内|内|后|就|便|即|成功|不到)+", "", text[m.end:ce])
            if _VERBAL_TIME.search(tail) or _RESULT_RX.match(lead):
                verb = _result_after(text, m.end, se)
                if verb:
                    rule, metric, action = "M3", verb + "用时", verb
        if not metric and p2 and (not p1 or tail.endswith(("等", "的")) or m.unit in _KIND_UNITS):
            rule, metric = "M2", p2
        if not metric and p1:
            parts = [x for x in (_strip(x, scope) for x in _LIST_SEP.split(p1)) if x]
            if len(group) > 1 and len(parts) == len(group):
                rule, metric = "M4", parts[group.index(i)]
            else:
                rule, metric = "M1", p1
        if not metric and i != group[0] and metric_of.get(group[0]):
            rule, metric = "M4", metric_of[group[0]]
        if not metric and action:
            # nothing after the action verb: its subject (攀爬入室…作案5宗) or the verb itself (破案5宗)
            rule, metric = "M1", _strip(before_action, scope) or action
        if not metric and m.kind == "duration":
            verb = _result_after(text, m.end, se)
            if verb:
                rule, metric, action = "M3", verb + "用时", verb
        if not metric and last_metric:
            rule, metric = "M5", last_metric
        metric_of[i] = metric
        last_metric = metric or last_metric
        direction = direction_of(text, head.start, last.end, ws)
        period = _PERIOD_RX.search(text, ss, se)
        rows.append({
            "number": m.text, "start": m.start, "kind": m.kind, "value": m.value, "unit": normalise_unit(m.unit),
            "qualifier": _qualifier(text, m, ss), "metric": metric, "metric_rule": rule, "action": action,
            "direction": direction, "trend": DIRECTIONS.get(direction, "none"),
            "basis": "none" if m.kind == "rank" else basis_of(text[cs:ce], text[ss:se]),
            "period": period.group() if period else "", "clause": text[cs:ce],
        })
    return rows


def quantified_claims(units: pd.DataFrame, articles: pd.DataFrame, gold: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every performance figure in the corpus: one row per number of an evidence kind.

    ``units`` needs ``unit_id``, ``article_id`` and ``text``; ``articles`` gives the city, province
    and year. Columns :data:`QUANTIFIED_COLUMNS` (``number`` is the matched text, ``start`` its
    offset in the unit), ordered by ``unit_id`` and ``start``. With ``gold`` (needs ``unit_id`` and
    ``QUANTIFIED``) a column ``gold_QUANTIFIED`` says whether the adjudicated gold codes the unit
    QUANTIFIED. Rules: module docstring.
    """
    meta = _article_meta(articles)
    rows = []
    for _, u in units.sort_values("unit_id").iterrows():
        m = meta.loc[u.article_id]
        scope = tuple(s for s in (m.city, m.province, str(m.city)[:2]) if isinstance(s, str) and s)
        for fig in _unit_figures(u.text if isinstance(u.text, str) else "", scope):
            rows.append({"unit_id": u.unit_id, "article_id": u.article_id, "city": m.city, "city_en": m.city_en,
                         "province": m.province, "year": m.year, **fig})
    out = pd.DataFrame(rows, columns=QUANTIFIED_COLUMNS)
    out["year"] = out["year"].astype("Int64")
    if gold is not None:
        g = gold.set_index("unit_id")["QUANTIFIED"]
        out.insert(out.columns.get_loc("number"), "gold_QUANTIFIED", out["unit_id"].map(g).astype("Int64"))
    return out.sort_values(["unit_id", "start"], kind="stable").reset_index(drop=True)


# ====================================================================== figures


def city_labels(articles: pd.DataFrame) -> dict[str, str]:
    """Two-line labels per ``city``: ``"桐乡 Tongxiang\n浙江 Zhejiang · 2017"`` (province-wide reports:
    ``"湖北 Hubei\nprovince-wide · 2020"``)."""
    out = {}
    for _, m in _article_meta(articles).sort_index().iterrows():
        where = "province-wide" if m.city == m.province else f"{m.province} {_PROVINCE_EN.get(m.province, '')}".strip()
        out[m.city] = f"{m.city} {m.city_en}\n{where} · {m.year}"
    return out


def _city_order(articles: pd.DataFrame) -> list[str]:
    """Cities of the articles by year, then article ID (the 2017 Zhejiang reports first)."""
    meta = _article_meta(articles).reset_index().sort_values(["year", "article_id"])
    return list(dict.fromkeys(meta.city))


def plot_claims_by_evidence(claims: pd.DataFrame, articles: pd.DataFrame):
    """Stacked horizontal bars: safety claims per city by evidence type, one bar per city of ``articles``
    (pass the relevant articles: a city without claims keeps its empty bar), ordered by year."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from analysis.plotting import PALETTE

    order = _city_order(articles)
    labels = city_labels(articles)
    counts = pd.crosstab(claims.city, claims.evidence_type).reindex(index=order, fill_value=0)
    types = [t for t in EVIDENCE_TYPES]
    counts = counts.reindex(columns=types, fill_value=0)
    colours = sns.color_palette(PALETTE, len(types))
    fig, ax = plt.subplots(figsize=(8.5, 0.62 * len(order) + 1.9))
    left = pd.Series(0, index=counts.index)
    y = range(len(order))
    for k, t in enumerate(types):
        ax.barh(list(y), counts[t], left=left, color=colours[k], label=EVIDENCE_TYPES[t], edgecolor="white")
        for yi, (c, l) in enumerate(zip(counts[t], left)):
            if c:
                ax.text(l + c / 2, yi, str(c), ha="center", va="center", fontsize=10,
                        color="white" if k != 1 else "black")
        left = left + counts[t]
    for yi, total in enumerate(left):
        if not total:
            ax.text(0.05, yi, "no claim 无", ha="left", va="center", fontsize=10, color="0.35")
    ax.set_yticks(list(y), [labels[c] for c in order])
    ax.invert_yaxis()
    ax.set_xlabel("safety-sense claims (units coded SAFETY_SENSE in gold)")
    ax.set_title("How safety-sense claims are supported, by city 安全感诉求的证据类型")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="evidence type (rule-assigned)")
    return fig


#: Kinds of figure for the quantified-claims plot.
FIGURE_TYPES = {
    "down": "decrease 下降",
    "up": "increase 上升",
    "count": "count / scale 数量",
    "time": "duration 时长",
    "share": "share / rate 比例",
    "rank": "rank 排名",
}


def figure_type(row) -> str:
    """``down``/``up`` for any figure with a direction, else by kind: ``time`` (duration), ``rank``,
    ``share`` (percent, fraction, multiple, magnitude), ``count`` (count, money)."""
    if row["trend"] in ("down", "up"):
        return row["trend"]
    if row["kind"] == "duration":
        return "time"
    if row["kind"] == "rank":
        return "rank"
    if row["kind"] in ("percent", "fraction", "multiple", "magnitude", "change"):
        return "share"
    return "count"


def plot_quantified_claims(quantified: pd.DataFrame, articles: pd.DataFrame):
    """Stacked horizontal bars: performance figures per city of ``articles`` by :func:`figure_type`."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    from analysis.plotting import PALETTE

    q = quantified.assign(figure=[figure_type(r) for _, r in quantified.iterrows()])
    order = _city_order(articles)
    labels = city_labels(articles)
    types = list(FIGURE_TYPES)
    counts = pd.crosstab(q.city, q.figure).reindex(index=order, fill_value=0).reindex(columns=types, fill_value=0)
    colours = sns.color_palette(PALETTE, len(types))
    fig, ax = plt.subplots(figsize=(8.5, 0.62 * len(order) + 1.9))
    left = pd.Series(0, index=counts.index)
    for k, t in enumerate(types):
        ax.barh(range(len(order)), counts[t], left=left, color=colours[k], label=FIGURE_TYPES[t], edgecolor="white")
        for yi, (c, l) in enumerate(zip(counts[t], left)):
            if c:
                ax.text(l + c / 2, yi, str(c), ha="center", va="center", fontsize=9,
                        color="black" if k in (1, 2, 4) else "white")
        left = left + counts[t]
    ax.set_yticks(range(len(order)), [labels[c] for c in order])
    ax.invert_yaxis()
    ax.set_xlabel("performance figures (numbers of an evidence kind)")
    ax.set_title("What the reports quantify, by city 量化证据")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="figure (rule-assigned)")
    return fig
