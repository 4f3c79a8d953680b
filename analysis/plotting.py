"""Shared figure style: Chinese-capable font, colour-blind-safe palette, reproducible files.

Chinese text is drawn with Noto Sans CJK SC (SIL Open Font License 1.1), the font file
shipped inside the PyPI package ``mplfonts``. The file is registered with matplotlib by
path; mplfonts' own ``init``/``use_font`` machinery (and its unlicensed SimHei) is not used.

Typical notebook use::

    from analysis.plotting import use_study_style, save_figure, gloss
    use_study_style()
    fig, ax = plt.subplots()
    ax.set_title(gloss("智慧警务"))
    save_figure(fig, "03_frames_by_year")
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib as mpl
import seaborn as sns
from matplotlib import font_manager

from analysis.glossary import gloss, load_glossary  # noqa: F401  (re-exported)
from analysis.paths import figure_path

FONT_FAMILY = "Noto Sans CJK SC"
FONT_FILE = "NotoSansCJKsc-Regular.otf"
PALETTE = "colorblind"  # seaborn's colour-blind-safe qualitative palette
DPI = 200
SVG_HASHSALT = "smart-policing-frames"

# rcParams that make saved files byte-stable; applied by use_study_style and save_figure.
_STABLE_RC = {
    "svg.hashsalt": SVG_HASHSALT,
    "svg.fonttype": "path",  # glyphs as paths: no font needed to view, identical output
    "savefig.dpi": DPI,
}
_STYLE_RC = {
    **_STABLE_RC,
    "axes.unicode_minus": False,  # U+2212 is missing from many CJK fonts
    "figure.figsize": (7.0, 4.5),
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "axes.titlesize": 13,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
}


def font_path() -> Path:
    """Path of the Noto Sans CJK SC file inside the installed ``mplfonts`` package."""
    spec = importlib.util.find_spec("mplfonts")  # locate without importing the package
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The CJK font comes from the PyPI package 'mplfonts', which is not installed; "
            "run `pip install -r requirements.txt`."
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / "fonts" / FONT_FILE
        if path.is_file():
            return path
    raise RuntimeError(
        f"{FONT_FILE} not found in mplfonts/fonts/ under {list(spec.submodule_search_locations)}; "
        "reinstall the pinned mplfonts version."
    )


def register_font() -> str:
    """Register the Noto Sans CJK SC file with matplotlib (once); return its family name."""
    path = font_path()
    if not any(Path(entry.fname) == path for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    if name != FONT_FAMILY:
        raise RuntimeError(f"{path} has family {name!r}, expected {FONT_FAMILY!r}")
    return name


def use_study_style() -> None:
    """Apply the study's figure style to every later figure (safe to call repeatedly)."""
    family = register_font()
    # font= is needed: set_theme otherwise resets font.family to seaborn's default list.
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font=family, rc=_STYLE_RC)


def save_figure(fig, name: str, directory: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``<name>.png`` and ``<name>.svg`` reproducibly; return the two paths.

    Files go to ``figures/`` (via ``analysis.paths.figure_path``) unless ``directory``
    is given. Volatile metadata (software version, date) is left out, so re-running a
    notebook rewrites byte-identical files.
    """
    if directory is None:
        png, svg = figure_path(name, "png"), figure_path(name, "svg")
    else:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        png, svg = directory / f"{name}.png", directory / f"{name}.svg"
    with mpl.rc_context(_STABLE_RC):
        fig.savefig(png, format="png", dpi=DPI, bbox_inches="tight",
                    metadata={"Software": None})
        fig.savefig(svg, format="svg", dpi=DPI, bbox_inches="tight",
                    metadata={"Date": None, "Creator": None})
    return png, svg


# ---------------------------------------------------------------- figures of the study

#: English labels for the kinds of the cleaning log.
CLEANING_KINDS = {
    "undecodable": "undecodable byte",
    "newline": "line ending",
    "mojibake": "mojibake repaired 乱码",
    "markup": "HTML markup",
    "pinyin": "pinyin ruby 拼音",
    "script": "Trad.→Simpl. 繁→简",
    "punctuation": "punctuation 标点",
    "whitespace": "spaces",
    "furniture": "page furniture",
    "metadata": "page metadata",
    "moved_to_metadata": "title/byline/caption → metadata",
    "join": "cut paragraph re-joined",
    "layout": "blank lines",
}


def file_labels(articles) -> dict[str, str]:
    """Short row labels for raw files: file number and the places of its articles (``003 Wenzhou + Shaoxing``)."""
    labels = {}
    for source_file, group in articles.groupby("source_file", sort=True):
        places = [str(p) for p in group.sort_values("article_no")["city_en"] if str(p)]
        labels[source_file] = " ".join([source_file.split("_")[0], " + ".join(places)]).strip()
    return labels


def plot_cleaning_changes(log, file_labels: dict[str, str]):
    """Heatmap of logged cleaning changes: one row per raw file, one column per kind of change."""
    import pandas as pd

    counts = pd.crosstab(log["source_file"].map(file_labels), log["kind"])
    kinds = [k for k in CLEANING_KINDS if k in counts.columns]
    counts = counts[kinds].rename(columns=CLEANING_KINDS)
    fig = plot_heatmap(counts, "What cleaning changed, per file 清洗改动 (rows of data/cleaning_log.csv)", None,
                       fmt="d", cmap="Blues", cbar=False,
                       norm=mpl.colors.SymLogNorm(linthresh=1, vmin=0, vmax=max(1, counts.values.max())))
    fig.axes[0].set_xlabel("kind of change (log rows)")
    fig.axes[0].set_ylabel("raw file")
    return fig


def plot_reliability(reliability):
    """Krippendorff's α per code: the two manual coders (with 95% CI) and the automatic coder on dev and test."""
    import matplotlib.pyplot as plt
    import numpy as np

    series = [
        ("coder A vs coder B", "all", "manual coders (all units)", "o"),
        ("automatic vs gold", "dev", "automatic vs gold, development half", "s"),
        ("automatic vs gold", "test", "automatic vs gold, test half", "D"),
    ]
    codes = list(dict.fromkeys(reliability["code"]))
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(codes) + 1.8))
    palette = sns.color_palette(PALETTE, len(series))
    for k, (comparison, split, label, marker) in enumerate(series):
        rows = reliability[(reliability.comparison == comparison) & (reliability.split == split)].set_index("code")
        y = np.arange(len(codes)) + (k - 1) * 0.22
        x = [rows.at[c, "alpha"] if c in rows.index else np.nan for c in codes]
        ax.scatter(x, y, marker=marker, color=palette[k], label=label, zorder=3)
        if rows["ci_low"].notna().any():
            lows = [rows.at[c, "ci_low"] for c in codes]
            highs = [rows.at[c, "ci_high"] for c in codes]
            ax.hlines(y, lows, highs, color=palette[k], linewidth=1.5, zorder=2)
    ax.axvline(0.8, color="0.3", linestyle="--", linewidth=1)
    ax.axvline(0.667, color="0.6", linestyle="--", linewidth=1)
    from analysis.codebook import frame_labels

    labels = frame_labels()
    ax.set_yticks(np.arange(len(codes)), [labels.get(c, c) for c in codes])
    ax.invert_yaxis()
    ax.set_xlim(min(0.5, float(np.nanmin(reliability["alpha"])) - 0.05), 1.02)
    ax.set_xlabel("Krippendorff's α (nominal)")
    ax.set_title("Reliability by frame 信度")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


def plot_heatmap(table, title: str, cbar_label: str | None, center=None, fmt: str = ".1f", cmap: str = "vlag",
                 **heatmap_kwargs):
    """Annotated heatmap of a group × category table (rows and columns already labelled)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.0 * table.shape[1] + 3.2, 0.6 * table.shape[0] + 2.4))
    if heatmap_kwargs.get("cbar", True):
        heatmap_kwargs["cbar_kws"] = {"label": cbar_label}
    sns.heatmap(table, annot=True, fmt=fmt, cmap=cmap, center=center, linewidths=0.5, ax=ax, **heatmap_kwargs)
    ax.set_title(title)
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=35)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return fig


def plot_frame_shares(shares, order=None):
    """Share of units carrying each frame, per group, with Wilson 95% intervals (long table of compare.frame_shares)."""
    import matplotlib.pyplot as plt
    import numpy as np

    from analysis.codebook import frame_labels

    labels = frame_labels()
    frames = list(dict.fromkeys(shares["frame"]))
    groups = order or list(dict.fromkeys(shares["group"]))
    palette = sns.color_palette(PALETTE, len(groups))
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(frames) * 1.6 + 1.5))
    step = 0.8 / max(1, len(groups))
    for k, group in enumerate(groups):
        rows = shares[shares["group"] == group].set_index("frame").reindex(frames)
        y = np.arange(len(frames)) - 0.4 + step * (k + 0.5)
        ax.errorbar(rows["share"], y, xerr=[rows["share"] - rows["ci_low"], rows["ci_high"] - rows["share"]],
                    fmt="o", color=palette[k], label=f"{group} (n={int(rows['n_units'].iloc[0])})", markersize=4,
                    capsize=2, linewidth=1)
    ax.set_yticks(np.arange(len(frames)), [labels.get(f, f) for f in frames])
    ax.invert_yaxis()
    ax.set_xlabel("share of units carrying the frame (Wilson 95% interval)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, title="group (units)")
    return fig


def plot_ca_biplot(rows, columns, inertia):
    """Correspondence-analysis biplot: groups (rows) and frames (columns) in the first two dimensions."""
    import matplotlib.pyplot as plt

    from analysis.codebook import frame_labels

    labels = frame_labels()
    fig, ax = plt.subplots(figsize=(7.5, 6))
    blue, orange = sns.color_palette(PALETTE, 2)
    ax.scatter(rows["dim1"], rows["dim2"], color=blue, marker="o", label="city")
    for name, r in rows.iterrows():
        ax.annotate(str(name), (r["dim1"], r["dim2"]), xytext=(4, 4), textcoords="offset points", color=blue)
    ax.scatter(columns["dim1"], columns["dim2"], color=orange, marker="^", label="frame")
    for k, (name, c) in enumerate(columns.sort_values("dim1").iterrows()):
        ax.annotate(labels.get(name, name), (c["dim1"], c["dim2"]), xytext=(5, 6 if k % 2 else -12),
                    textcoords="offset points", color=orange, fontsize=8.5)
    ax.axhline(0, color="0.7", linewidth=0.8)
    ax.axvline(0, color="0.7", linewidth=0.8)
    ax.set_xlabel(f"dimension 1 ({inertia[0]:.0%} of inertia)")
    ax.set_ylabel(f"dimension 2 ({inertia[1]:.0%} of inertia)")
    ax.set_title("Correspondence analysis: cities × frames 对应分析")
    ax.legend(frameon=False)
    return fig


def plot_xray(units, frames, article_labels: dict[str, str]):
    """Dispersion ("x-ray") plot: where each frame occurs along each article (0 = title, 1 = last unit)."""
    import matplotlib.pyplot as plt

    from analysis.codebook import frame_labels

    labels = frame_labels()
    articles = list(article_labels)
    palette = sns.color_palette(PALETTE, len(frames))
    fig, axes = plt.subplots(len(articles), 1, figsize=(9, 0.9 * len(articles) + 1.4), sharex=True)
    for ax, article_id in zip(axes, articles):
        rows = units[units["article_id"] == article_id].reset_index(drop=True)
        n = max(1, len(rows) - 1)
        for k, frame in enumerate(frames):
            hits = rows.index[rows[frame] == 1] / n
            ax.scatter(hits, [k] * len(hits), marker="|", s=120, color=palette[k])
        titles = rows.index[rows["kind"].isin(["title", "subtitle", "heading"])] / n
        for x in titles:
            ax.axvline(x, color="0.85", linewidth=0.8, zorder=0)
        ax.set_yticks([])
        ax.set_ylim(-0.8, len(frames) - 0.2)
        ax.set_ylabel(article_labels[article_id], rotation=0, ha="right", va="center")
    axes[-1].set_xlabel("position in the article (0 = title, 1 = last sentence); grey lines: title, subtitle, headings")
    handles = [plt.Line2D([], [], color=palette[k], marker="|", linestyle="", markersize=12) for k in range(len(frames))]
    fig.legend(handles, [labels.get(f, f) for f in frames], loc="lower center", ncol=len(frames), frameon=False,
               bbox_to_anchor=(0.5, 0.99), fontsize=9)
    return fig
