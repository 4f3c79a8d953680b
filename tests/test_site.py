"""The rendered study (``make site``, ``analysis/site.py``): the generated pages, the build, and a browser test.

The browser test serves a freshly built site on 127.0.0.1 and opens every page in Debian's Chromium
(``/usr/bin/chromium``, or ``$STUDY_CHROMIUM``) driven by Playwright: HTTP 200 and the right title, every image
decoded, every figure in the gallery, Chinese drawn with the site's own CJK web font, and no request to any
other host. Without Chromium it is skipped, unless ``STUDY_REQUIRE_BROWSER=1`` (set by ``.ci/run``), when it
fails. ``STUDY_SITE_SCREENSHOTS=/some/folder`` saves a full-page PNG of every page there.
"""
from __future__ import annotations

import functools
import html.parser
import os
import re
import struct
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from analysis import site
from analysis.codebook import codebook_markdown
from analysis.notebooks import notebook_paths
from analysis.paths import DATA, FIGURES, ROOT

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
CHROMIUM = Path(os.environ.get("STUDY_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("STUDY_REQUIRE_BROWSER") == "1"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-proxy-server",
]  # Playwright adds a fresh --user-data-dir of its own


def md_title(path: Path) -> str:
    return site.markdown_title(path.read_text(encoding="utf-8"))


def expected_pages() -> dict[str, str]:
    """Every page of the site (path under the output folder) and its title (the text of its <h1>)."""
    pages = {
        "index.html": md_title(ROOT / "README.md"),
        "codebook.html": site.markdown_title(codebook_markdown()),
        "gallery.html": "Figures",
        "data.html": "Data tables",
        "glossary.html": md_title(ROOT / "GLOSSARY.md"),
        "teaching.html": md_title(ROOT / "TEACHING.md"),
        "data-statement.html": md_title(ROOT / "DATA_STATEMENT.md"),
        "about.html": md_title(site.SITE / "about.md"),
        "run-it.html": md_title(site.SITE / "run-it.md"),
        "search.html": "Search",
    }
    for path in notebook_paths():
        pages[f"notebooks/{path.stem}.html"] = site.notebook_title(path)
    return pages


PAGES = expected_pages()


def png_width(path: Path) -> int:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">I", data[16:20])[0]


# ---------------------------------------------------------------- generator code (no Sphinx)


def test_human_size():
    assert site.human_size(0) == "0 B"
    assert site.human_size(1023) == "1023 B"
    assert site.human_size(1024) == "1.0 KB"
    assert site.human_size(44_427) == "43.4 KB"
    assert site.human_size(16_412_332) == "15.7 MB"


def test_markdown_title():
    assert site.markdown_title("intro\n\n# The *title* with `code`\n\n# second") == "The title with code"
    assert site.markdown_title("## not this\n# This one ##\n") == "This one"
    with pytest.raises(ValueError):
        site.markdown_title("## only a level-2 heading\n#hashtag")


def test_notebook_titles_come_from_the_first_heading():
    for path in notebook_paths():
        assert site.notebook_title(path).startswith(path.name[:2] + " · ")


README_TABLE = """# Figures

| figure | notebook | caption |
|---|---|---|
| `01_a` | 01 | First, with `code` and 中文. |
| `02_b` | 02 | Second \\| with an escaped bar? no: plain. |
"""


def test_figure_captions_parse_the_table_in_order():
    captions = site.figure_captions(README_TABLE)
    assert list(captions) == ["01_a", "02_b"]
    assert captions["01_a"] == site.Caption("01_a", "01", "First, with `code` and 中文.")
    assert captions["02_b"].notebook == "02"


def test_figure_captions_refuse_duplicates_and_empty_tables():
    with pytest.raises(ValueError, match="twice"):
        site.figure_captions(README_TABLE + "| `01_a` | 01 | again |\n")
    with pytest.raises(ValueError, match="no caption rows"):
        site.figure_captions("# Figures\n\nNo table.\n")


def test_gallery_shows_every_png_grouped_by_notebook():
    captions = site.figure_captions(README_TABLE)
    titles = {"01": ("notebooks/01_x", "01 · Cleaning"), "02": ("notebooks/02_y", "02 · Coding")}
    text = site.gallery_markdown(["01_a", "02_b", "02_c"], captions, titles, svgs=frozenset({"01_a"}))
    assert text.startswith("# Figures\n")
    assert "All 3 figures" in text
    for name in ("01_a", "02_b", "02_c"):
        assert f"```{{figure}} figures/{name}.png" in text
        assert f":name: fig-{name}" in text
    assert "{download}`SVG <figures/01_a.svg>`" in text
    assert "figures/02_b.svg" not in text  # no SVG, no link
    assert "No caption in `figures/README.md` yet" in text  # 02_c has no row
    assert text.index("## 01 · Cleaning") < text.index("01_a.png") < text.index("## 02 · Coding") < text.index("02_c")
    assert "[notebook 02](notebooks/02_y.ipynb)" in text


def test_gallery_refuses_a_caption_without_its_figure():
    with pytest.raises(ValueError, match="02_b"):
        site.gallery_markdown(["01_a"], site.figure_captions(README_TABLE), {})


def test_repository_figures_are_all_captioned_and_key_figures_exist():
    captions = site.figure_captions((FIGURES / "README.md").read_text(encoding="utf-8"))
    pngs = sorted(p.stem for p in FIGURES.glob("*.png"))
    assert pngs and sorted(captions) == pngs
    assert set(site.KEY_FIGURES) <= set(pngs)
    text = site.key_figures_markdown(site.KEY_FIGURES, captions)
    assert text.count("```{figure}") == len(site.KEY_FIGURES)
    with pytest.raises(ValueError, match="nope"):
        site.key_figures_markdown(("nope",), captions)


def test_count_rows_handles_quoted_line_breaks_and_bom(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeffa,b\n1,"two\nlines"\n2,"bare\rcr"\n'.encode("utf-8"))
    assert site.count_rows(path) == (("a", "b"), 2)


def test_every_data_table_is_described_and_listed():
    tables = site.data_tables()
    on_disk = sorted(p.relative_to(DATA).as_posix() for p in [*DATA.glob("*.csv"), *DATA.glob("manual/*.csv")])
    assert sorted(t.path for t in tables) == on_disk
    undescribed = [t.path for t in tables if not t.description]
    assert not undescribed, f"add a description to analysis.site.TABLES for: {undescribed}"
    stale = sorted(set(site.TABLES) - set(on_disk))
    assert not stale, f"analysis.site.TABLES describes files that are not in data/: {stale}"
    units = next(t for t in tables if t.path == "units.csv")
    assert units.rows == 266 and units.columns[0] == "unit_id"


def test_data_markdown_links_every_file():
    tables = [site.Table("gold.csv", 9746, 266, ("unit_id", "a|b"), "Gold | codes."),
              site.Table("manual/coder_a.csv", 100, 3, ("unit_id",), "Coder A.")]
    text = site.data_markdown(tables)
    assert "| {download}`gold.csv <data/gold.csv>` | 9.5\u00a0KB | 266 | Gold \\| codes. |\n" in text
    assert "- `gold.csv`: `unit_id`, `a|b`\n" in text
    assert "{download}`manual/coder_a.csv <data/manual/coder_a.csv>`" in text
    assert text.index("## Generated tables") < text.index("gold.csv") < text.index("## Manual coding")


def test_codebook_page_says_whether_the_coders_text_is_the_same(tmp_path):
    same = tmp_path / "same.md"
    same.write_text(codebook_markdown(), encoding="utf-8")
    page = site.codebook_page(same)
    assert page.startswith(codebook_markdown().partition("\n")[0] + "\n\n*Rendered")
    assert "It is identical to `data/manual/codebook_v1.md`" in page
    other = tmp_path / "other.md"
    other.write_text("# old\n", encoding="utf-8")
    assert "It differs from" in site.codebook_page(other)


def test_stage_assembles_the_sources(tmp_path):
    dest = site.stage(tmp_path / "src")
    for name in ("conf.py", "index.md", "_static/study.css", "_static/NotoSansCJKsc-LICENSE.txt", *site.INCLUDED_FILES,
                 "codebook.md", "gallery.md", "data.md", "_generated/key_figures.md"):
        assert (dest / name).is_file(), name
    assert sorted(p.name for p in (dest / "notebooks").glob("*.ipynb")) == [p.name for p in notebook_paths()]
    assert sorted(p.name for p in (dest / "figures").glob("*.png")) == sorted(p.name for p in FIGURES.glob("*.png"))
    assert (dest / "data" / "manual" / "coder_a.csv").read_bytes() == (DATA / "manual" / "coder_a.csv").read_bytes()
    (dest / "stale.md").write_text("# left over\n", encoding="utf-8")
    site.stage(dest)
    assert not (dest / "stale.md").exists()


def test_font_face_is_the_one_in_the_css():
    css = (site.SITE / "_static" / "study.css").read_text(encoding="utf-8")
    assert f'font-family: "{site.FONT_FACE}"' in css
    assert 'url("NotoSansCJKsc-Regular.otf")' in css
    assert site.FONT_FACE in (site.SITE / "conf.py").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the built site


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    """Build the site once (about 20 s) into a temporary folder; return the output folder."""
    base = tmp_path_factory.mktemp("site")
    index = site.build(base / "site", base / "site-src")
    return index.parent


def test_every_page_is_built(built_site):
    built = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    assert built == sorted(PAGES)


class _Resources(html.parser.HTMLParser):
    """Collects the URLs a page loads (not the links it offers: <a href> is left out)."""

    LOADS = {"script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",),
             "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",), "embed": ("src",),
             "object": ("data",), "track": ("src",), "input": ("src",)}

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in self.LOADS.get(tag, ()) and value:
                self.urls.append((tag, value))
            if name == "style" and value and "url(" in value:
                self.urls += [("style", u) for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", value)]


def _remote(url: str) -> bool:
    return bool(re.match(r"\s*(https?:)?//", url, re.IGNORECASE))


def test_no_page_or_stylesheet_loads_anything_from_the_network(built_site):
    remote = []
    for page in sorted(built_site.rglob("*.html")):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        remote += [f"{page.relative_to(built_site)}: <{tag}> {url}" for tag, url in parser.urls if _remote(url)]
        assert "mathjax" not in page.read_text(encoding="utf-8").lower().replace("mathjax_", ""), page
    for css in sorted(built_site.rglob("*.css")):
        text = css.read_text(encoding="utf-8")
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", text) + re.findall(r"@import\s+['\"]([^'\"]+)", text)
        remote += [f"{css.relative_to(built_site)}: {u}" for u in urls if _remote(u)]
    assert not remote, "resources from the network:\n" + "\n".join(remote)


def test_the_font_and_its_licence_are_shipped(built_site):
    from analysis.plotting import font_path

    shipped = built_site / "_static" / "NotoSansCJKsc-Regular.otf"
    assert shipped.read_bytes() == font_path().read_bytes()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (built_site / "_static" / "NotoSansCJKsc-LICENSE.txt").read_text(
        encoding="utf-8")


# ---------------------------------------------------------------- in a real browser


def _no_browser(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}, and STUDY_REQUIRE_BROWSER=1: the browser test must run here")
    pytest.skip(f"{reason}: install it with `apt-get install chromium` (CI sets STUDY_REQUIRE_BROWSER=1 and fails)")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def server(built_site):
    """The built site on http://127.0.0.1:<free port>/ (a thread of this process)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(built_site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class Browser:
    """A Chromium context that records every request and refuses (and records) any that leaves the server."""

    def __init__(self, context, base: str):
        self.context = context
        self.base = base
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.failed: list[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", self._response)
        context.route("**/*", self._route)

    def _local(self, url: str) -> bool:
        return url.startswith(self.base) or url.startswith(("data:", "blob:", "about:"))

    def _route(self, route):
        if self._local(route.request.url):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort("blockedbyclient")

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed.append(f"{response.status} {response.url}")

    def others(self) -> list[str]:
        return sorted({u for u in self.requests + self.refused if not self._local(u)})


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium, or a skip (a failure when STUDY_REQUIRE_BROWSER=1); checked before the site is built."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        _no_browser(f"no Chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        _no_browser("the Python package playwright is not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
def engine(chromium):
    """One headless Chromium for the module (Playwright gives it a fresh profile folder)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser(engine, server):
    context = engine.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    try:
        yield Browser(context, server)
    finally:
        context.close()


PROBE_CHINESE = """() => {
  // mark the first element in the page content whose own text has Chinese, for the font check over CDP
  const han = /[\\u3400-\\u4dbf\\u4e00-\\u9fff]/;
  for (const root of [document.querySelector('article'), document.body]) {
    if (!root) continue;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (han.test(node.data) && node.parentElement.offsetParent !== null) {
        node.parentElement.setAttribute('data-cjk-probe', '');
        return node.data.trim().slice(0, 40);
      }
    }
  }
  return null;
}"""

IMAGES = """async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(img => { img.loading = 'eager'; });
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(r => { img.onload = img.onerror = r; })));
  return imgs.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth}));
}"""

FONTS = """async () => {
  await document.fonts.ready;
  return Array.from(document.fonts).map(f => ({family: f.family.replace(/"/g, ''), status: f.status}));
}"""

H1 = """() => {
  const h1 = document.querySelector('article h1') || document.querySelector('h1');
  if (!h1) return null;
  const copy = h1.cloneNode(true);
  copy.querySelectorAll('.headerlink').forEach(a => a.remove());
  return copy.textContent.trim();
}"""


def _platform_fonts(page, selector: str) -> list[dict]:
    """The fonts Chromium actually drew the element's text with (CDP CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


def test_the_request_guard_records_and_blocks_other_hosts(engine):
    """The check below would see a page that fetched from elsewhere (the request is aborted, nothing leaves)."""
    guard = Browser(engine.new_context(), "http://127.0.0.1:1/")
    try:
        page = guard.context.new_page()
        page.set_content('<img src="http://cdn.example.invalid/x.png"><link rel="stylesheet" '
                         'href="https://fonts.example.invalid/css">')
        page.wait_for_timeout(500)
        assert guard.others() == ["http://cdn.example.invalid/x.png", "https://fonts.example.invalid/css"]
        assert sorted(guard.refused) == guard.others()
    finally:
        guard.context.close()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_in_the_browser(browser, path):
    page = browser.context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    start = len(browser.requests)
    try:
        response = page.goto(browser.base + path, wait_until="load")
        assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"
        title = PAGES[path]
        if path == "index.html":
            assert page.title() == site_title()
        else:
            assert page.title().startswith(title + " - "), page.title()
        if path != "search.html":  # the theme's search page has no <h1>
            assert page.evaluate(H1) == title

        images = page.evaluate(IMAGES)
        broken = [img["src"] for img in images if img["width"] == 0]
        assert not broken, f"{path}: images that did not load: {broken}"

        body = page.inner_text("body")
        assert HAN.search(body), f"{path}: no Chinese text on the page"
        probe = page.evaluate(PROBE_CHINESE)
        assert probe, f"{path}: no visible Chinese text in the page content"
        fonts = page.evaluate(FONTS)
        ours = [f for f in fonts if f["family"] == site.FONT_FACE]
        assert ours and all(f["status"] == "loaded" for f in ours), f"{path}: CJK web font not loaded: {fonts}"
        drawn = _platform_fonts(page, "[data-cjk-probe]")
        assert any(f["isCustomFont"] and "Noto Sans CJK" in f["familyName"] for f in drawn), (
            f"{path}: {probe!r} was drawn with {drawn}, not the site's Noto Sans CJK SC")

        if path == "gallery.html":
            shown = {Path(img["src"]).name: img["width"] for img in images}
            for png in sorted(FIGURES.glob("*.png")):
                assert shown.get(png.name) == png_width(png), f"gallery: {png.name} missing or not the same image"
        if path == "data.html":
            _check_downloads(page, browser.base)
        if path == "search.html":
            page.goto(browser.base + "search.html?q=安全感", wait_until="load")
            page.wait_for_selector("#search-results ul.search li", timeout=15_000)

        shots = os.environ.get("STUDY_SITE_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / (path.replace("/", "_") + ".png")), full_page=True)
    finally:
        page.close()
    assert not errors, f"{path}: JavaScript errors: {errors}"
    assert len(browser.requests) > start
    assert not browser.others(), "requests that left the local server:\n" + "\n".join(browser.others())
    assert not browser.failed, "failed requests:\n" + "\n".join(browser.failed)


def site_title() -> str:
    text = (site.SITE / "conf.py").read_text(encoding="utf-8")
    return re.search(r'^html_title = "([^"]+)"', text, re.MULTILINE)[1]


LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to 127.0.0.1, never a proxy


def _check_downloads(page, base: str) -> None:
    """Every CSV of data/ is offered on the data page, and the server returns it byte for byte."""
    links = page.eval_on_selector_all("a.download", "els => els.map(a => [a.textContent.trim(), a.href])")
    offered = {text: href for text, href in links}
    for table in site.data_tables():
        href = offered.get(table.path)
        assert href and href.startswith(base), f"data page: no download link for {table.path}"
        with LOCAL.open(href, timeout=30) as reply:
            assert reply.status == 200
            assert reply.read() == (DATA / table.path).read_bytes(), table.path
