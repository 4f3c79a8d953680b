"""Sphinx configuration of the rendered study (``make site``).

``python -m analysis.site`` copies this folder and the repository files the site uses into a staging
folder (``_build/site-src``), generates the pages that are made from data (codebook, figures gallery,
data tables, key figures) and runs Sphinx there; see ``analysis/site.py``. The notebooks are shown as
committed: they are never executed here.

Nothing on the built pages is fetched from the network when they are read: no MathJax, no web fonts from a
CDN, no require.js or widget scripts. Chinese is drawn with Noto Sans CJK SC, the font file that the figures
use (from the PyPI package ``mplfonts``), copied into ``_static`` and loaded by ``_static/study.css``.
"""
from __future__ import annotations

from analysis.plotting import font_path

project = "Smart policing (智慧警务) in Chinese local news"
author = "the smart-policing-frames study"
copyright = "the study's authors; code MIT, news texts see the data statement"
language = "en"

extensions = ["myst_nb"]
exclude_patterns = [
    "_build", "**.ipynb_checkpoints",
    # repository files copied in to be included or downloaded, not pages of their own
    "README.md", "TEACHING.md", "GLOSSARY.md", "DATA_STATEMENT.md", "figures/**", "data/**", "_generated/**",
]
root_doc = "index"
smartquotes = False  # keep the texts' own quotation marks, Chinese and English
numfig = False

# -- MyST and notebooks: show the committed outputs, never execute ----------------------------------------------
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}  # no require.js / widget manager from a CDN
myst_enable_extensions = ["colon_fence", "deflist"]  # no dollarmath: nothing on the pages needs MathJax
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # the included Markdown files start at their own H1

# -- HTML -------------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = "Smart policing (智慧警务) in Chinese local news"
html_static_path = ["_static", str(font_path())]  # the font file lands in _static/ beside study.css
html_css_files = ["study.css"]
html_use_index = False
html_copy_source = False
html_show_sourcelink = False
html_search_language = "zh"  # jieba (already pinned for the study) splits Chinese words for the search index
html_last_updated_fmt = None
_CJK_FIRST = '"Study Noto Sans CJK SC", '  # the @font-face in study.css; its unicode-range covers CJK only
html_theme_options = {
    "light_css_variables": {
        "font-stack": _CJK_FIRST + "-apple-system, BlinkMacSystemFont, Segoe UI, Helvetica, Arial, sans-serif, "
                      "Apple Color Emoji, Segoe UI Emoji",
        "font-stack--monospace": '"SFMono-Regular", Menlo, Consolas, Monaco, Liberation Mono, Lucida Console, '
                                 '"Study Noto Sans CJK SC", monospace',
    },
    "footer_icons": [],
}
