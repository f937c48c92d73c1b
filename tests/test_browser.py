"""The dashboard in a real browser: `streamlit run dashboard.py` on the seed dataset, driven by
Debian's headless Chromium through Playwright (which never downloads a browser of its own here).

What AppTest cannot see is checked here: every page renders in the browser without an exception
or an error box, its plotly charts are drawn, clicking a node of the network graph opens that
entity, a URL reopens the exact view it names, and the chart toolbar and the CSV buttons really
download files; an upload is built and browsed; date edits on every page reopen from their link
in a fresh browser; a merge is made and undone from the Entity page; a phrase is searched.

Screenshots: `make screenshots` (env REVUE_SCREENSHOTS=1) saves the top 1400 × 1600 px of each
page to docs/screenshots/<page>.png for the README; otherwise they go to a temporary directory,
so `make test` never rewrites a tracked file.

Run: `python -m pytest tests/test_browser.py -q -x` (a few minutes, after the seed build).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from bench.appserver import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from bench.appserver import run_server as start_dashboard

pytestmark = pytest.mark.browser
UPLOAD_CAP_MB = 0.05  # 52 kB: the over-limit file of the upload test is bigger

if CHROMIUM is None:
    pytest.skip("Chromium is not installed (/usr/bin/chromium or `chromium` on PATH): the "
                "browser tests need it (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (a dev dependency)")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots" if os.environ.get("REVUE_SCREENSHOTS") else None
SERVER_TIMEOUT = 60  # s, until /_stcore/health answers "ok"
RUN_TIMEOUT = 45_000  # ms, for one page to finish running and draw its charts (the first is cold)


@dataclass(frozen=True)
class PageSpec:
    """A page of the dashboard and what it must show on the seed dataset."""

    name: str
    path: str  # the url_path of its st.Page ("" for the default page)
    header: str
    charts: int  # plotly charts it draws at least
    texts: tuple[str, ...] = ()  # visible somewhere in the main area
    params: tuple[tuple[str, str], ...] = ()  # the query string it is opened with


PAGES = [
    PageSpec("overview", "", "Overview", 4,
             ("Most mentioned entities", "Sam Altman", "Word cloud", "Sentiment of articles",
              "Build report")),
    PageSpec("entity", "entity", "Entity", 3,
             ("Sam Altman", "Mentioned with", "Every sentence mentioning it")),
    PageSpec("network", "network", "Network", 2, ("Who is mentioned with whom",
                                                  "Sentences behind a pair")),
    PageSpec("timeline", "timeline", "Timeline", 2, ("Events dated in the text",)),
    PageSpec("articles", "articles", "Articles", 0, ("Text", "Entities", "OpenAI")),
    PageSpec("data", "data", "Data", 0, ("Download the tables", "Build report",
                                         "Build a dataset from your own articles")),
    PageSpec("search", "search", "Search", 1, ("Searching for", "In context", "Hits"),
             (("q", '"Sam Altman" OR conseil'),)),
    PageSpec("compare", "compare", "Compare", 1, ("Attention per source", "across sources"),
             (("cmp_entity", "per:sam-altman"),)),
]


# --- The server and the browser ------------------------------------------------------------------

@dataclass(frozen=True)
class Server:
    url: str
    log: Path

    def page_url(self, path: str = "", **params: str | list[str]) -> str:
        query = urlencode(params, doseq=True, quote_via=quote)
        return f"{self.url}/{path}" + (f"?{query}" if query else "")


@contextmanager
def run_server(data: Path, tmp_path_factory, **env_vars: str) -> Iterator[Server]:
    """`streamlit run dashboard.py` on the dataset `data`, on a free local port (started as the
    real-server benchmark starts it), with its own uploads folder."""
    env = {"REVUE_UPLOADS": str(tmp_path_factory.mktemp("uploads")), **env_vars}
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with ExitStack() as stack:
        try:
            url, _, log = stack.enter_context(
                start_dashboard(data, log=log, env=env, timeout=SERVER_TIMEOUT))
        except RuntimeError as error:  # it did not start: its log says why
            pytest.fail(str(error))
        yield Server(url, log)


@pytest.fixture(scope="module")
def server(seed_build, tmp_path_factory) -> Iterator[Server]:
    """The dashboard on the seed dataset (read only: tests that write get their own). The upload
    cap is lowered for the upload test, except for the README's screenshots."""
    cap = {} if SCREENSHOTS else {"REVUE_MAX_UPLOAD_MB": str(UPLOAD_CAP_MB)}
    with run_server(seed_build.path, tmp_path_factory, **cap) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def context(browser, server):
    """One browser context for the module: plotly.js and the app's assets are fetched once."""
    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="fr-FR",
                              timezone_id="Europe/Paris")
    ctx.set_default_timeout(RUN_TIMEOUT)
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context, server):
    """A fresh tab (hence a fresh Streamlit session); fails the test on uncaught JS errors."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert not errors, f"uncaught JavaScript errors: {errors}"


# --- Helpers -------------------------------------------------------------------------------------

_APP_STATE_JS = """(minCharts) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid="stException"]')) return true;  // reported by caller
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stHeading"]')) return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"], '
      + '[data-testid="stMain"] [data-testid="stSkeleton"], [data-stale="true"]')) return false;
  const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
  if (charts.length < minCharts) return false;
  for (const chart of charts) {
    const gd = chart.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout || !chart.querySelector('.main-svg')) return false;
  }
  return true;
}"""

# What moves when the page is still settling: text, charts and their size, the URL.
_SIGNATURE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const boxes = [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
    .map(gd => { const r = gd.getBoundingClientRect();
                 return [Math.round(r.width), Math.round(r.height), gd._fullData.length]; });
  return JSON.stringify([location.href, main ? main.innerText.length : 0, boxes]);
}"""


def wait_for_app(page, *, charts: int = 0, timeout: float = RUN_TIMEOUT) -> None:
    """Wait until the script has finished, every plotly chart is drawn, and nothing changes;
    fail at once with the traceback if the script raised."""
    page.wait_for_function(_APP_STATE_JS, arg=charts, timeout=timeout, polling=100)
    exceptions = page.locator('[data-testid="stException"]')
    if exceptions.count():
        pytest.fail(f"{page.url} raised:\n" + "\n".join(exceptions.all_inner_texts()))
    deadline = time.monotonic() + timeout / 1000
    last, same = None, 0
    while same < 3:  # the same signature for ~0.6 s, while the app stays idle
        page.wait_for_timeout(200)
        page.wait_for_function(_APP_STATE_JS, arg=charts,
                               timeout=max(1000.0, (deadline - time.monotonic()) * 1000),
                               polling=100)
        signature = page.evaluate(_SIGNATURE_JS)
        same = same + 1 if signature == last else 0
        last = signature
        assert time.monotonic() < deadline, "the page never settled"


def open_page(page, server: Server, path: str = "", *, charts: int = 0,
              **params: str | list[str]) -> None:
    page.goto(server.page_url(path, **params), wait_until="domcontentloaded")
    wait_for_app(page, charts=charts)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def assert_clean(page, server: Server) -> None:
    """No exception box, no error alert (the server log is shown if there is one)."""
    problems = [f"exception: {text}" for text in
                page.locator('[data-testid="stException"]').all_inner_texts()]
    problems += [f"error: {text}" for text in
                 page.locator('[data-testid="stAlertContentError"]').all_inner_texts()]
    assert not problems, "\n".join(problems) + "\n--- server log ---\n" + server.log.read_text(
        errors="replace")[-4000:]


SCREENSHOT = {"width": VIEWPORT["width"], "height": 1600}  # the top of the page, for the README
SCREENSHOT_MAX_BYTES = 600_000


def save_screenshot(page, name: str, folder: Path) -> Path:
    """Save the top SCREENSHOT px of the page to <folder>/<name>.png (docs/screenshots under
    `make screenshots`): readable in the README at its width (a full page runs to thousands of
    px). The app scrolls inside its own container, so the viewport is made that tall for the
    shot, then put back."""
    folder = SCREENSHOTS or folder
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.set_viewport_size(SCREENSHOT)
    try:
        page.wait_for_timeout(300)
        page.mouse.move(0, 0)  # no tooltip or toolbar in the picture
        wait_for_app(page, charts=page.locator('[data-testid="stPlotlyChart"]').count())
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, **SCREENSHOT},
                        animations="disabled")
    finally:
        page.set_viewport_size(VIEWPORT)
    size = path.stat().st_size
    assert size < SCREENSHOT_MAX_BYTES, f"{path.name} is {size} bytes: too heavy for the README"
    return path


def selectbox_value(page, label: str) -> str:
    """The text a selectbox shows (its searchable input), found by the start of its label."""
    box = page.locator('[data-testid="stSelectbox"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first
    return box.locator("input").input_value()


def chart_points(page, index: int = 0) -> list[dict]:
    """The screen position of every marker of the index-th plotly chart (customdata, text)."""
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').nth(index)
    chart.scroll_into_view_if_needed()
    return chart.evaluate("""(gd) => {
      const fl = gd._fullLayout, box = gd.getBoundingClientRect(), out = [];
      gd._fullData.forEach((trace, t) => {
        if (trace.type !== 'scatter' || !trace.visible || !String(trace.mode).includes('markers'))
          return;
        const xa = fl[trace.xaxis.replace('x', 'xaxis')];
        const ya = fl[trace.yaxis.replace('y', 'yaxis')];
        (trace.x || []).forEach((x, i) => out.push({
          trace: t, mode: trace.mode, id: trace.customdata ? trace.customdata[i] : null,
          text: trace.text ? trace.text[i] : null,
          x: box.left + xa._offset + xa.l2p(xa.d2l(x)),
          y: box.top + ya._offset + ya.l2p(ya.d2l(trace.y[i])),
        }));
      });
      return out;
    }""")


def chart_data(page, index: int = 0) -> list[dict]:
    """The traces of the index-th plotly chart as drawn (name, type, x, y, customdata, and
    size: how many points, cells or images it draws)."""
    return page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').nth(index).evaluate(
        """(gd) => gd._fullData.map(t => ({
             name: t.name, type: t.type, x: t.x || null, y: t.y || null,
             customdata: t.customdata || null,
             size: (t.x || t.z || t.values || []).length || (t.source ? 1 : 0)}))""")


# --- Every page ----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
def test_page_renders(page, server, spec: PageSpec, tmp_path) -> None:
    open_page(page, server, spec.path, charts=spec.charts, **dict(spec.params))
    assert_clean(page, server)
    # the seed dataset is clean: no warning either (skipped inputs, curation problems...)
    warnings = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
    assert not warnings, warnings
    main = page.locator('[data-testid="stMain"]')
    assert main.locator("h2").first.inner_text().strip() == spec.header
    text = main_text(page)
    missing = [t for t in spec.texts if t not in text]
    assert not missing, f"not shown on {spec.name}: {missing}"
    # the sidebar: navigation to every page, and the shared filters
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert all(s.header in nav for s in PAGES), nav
    assert "Filters" in page.locator('[data-testid="stSidebarUserContent"]').inner_text()
    # every chart is drawn with data, and each one offers its CSV
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for i in range(charts.count()):
        traces = chart_data(page, i)
        assert any(t["size"] for t in traces), f"chart {i} of {spec.name} is empty"
        assert charts.nth(i).locator(".main-svg").first.is_visible()
    assert page.locator('[data-testid="stDownloadButton"]').count() >= 2 * spec.charts
    if spec.name == "network":
        assert page.locator('[data-testid="stPlotlyChart"] svg .scatterlayer .point').count() > 10
    if spec.name == "timeline":
        events = chart_data(page, 1)
        days = {str(x)[:10] for t in events if t["name"] != "publication date" for x in t["x"]}
        assert {"2023-11-17", "2023-11-20"} <= days, sorted(days)
    save_screenshot(page, spec.name, tmp_path)


# --- Interaction ---------------------------------------------------------------------------------

def test_network_node_click_opens_its_entity(page, server, seed_build) -> None:
    open_page(page, server, "network", charts=2)
    entities = seed_build.tables["entities"]
    names = dict(zip(entities["entity_id"], entities["name"], strict=True))

    points = chart_points(page, 0)
    nodes = [p for p in points if "text" in p["mode"] and p["id"] in names]
    assert len(nodes) >= 5, points

    def room(node: dict) -> float:  # distance to the nearest other marker: click a lone node
        return min(((node["x"] - o["x"]) ** 2 + (node["y"] - o["y"]) ** 2) ** 0.5
                   for o in points if o is not node)

    target = max(nodes, key=room)
    name = names[target["id"]]
    assert room(target) > 15, "no node stands clear of the others"
    page.mouse.move(target["x"], target["y"])
    hover = page.locator(".hoverlayer .hovertext").first
    hover.wait_for(state="attached")
    assert name in (hover.text_content() or ""), "the hovered marker is not the node aimed at"
    page.mouse.click(target["x"], target["y"])

    page.wait_for_url(f"**/entity?*entity={quote(target['id'], safe='')}*")
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator("h3").first).to_have_text(name)
    wait_for_app(page, charts=1)
    assert_clean(page, server)
    expect(main.locator("h2").first).to_have_text("Entity")
    assert selectbox_value(page, "Entity").startswith(name + " ·")


def test_entity_url_reopens_that_entity(page, server, seed_build) -> None:
    entities = seed_build.tables["entities"].sort_values("n_mentions", ascending=False)
    # not the default (the most mentioned), so the URL has to be what picks it
    chosen = entities[entities["entity_id"] == "per:sam-altman"]
    if chosen.empty or chosen.index[0] == entities.index[0]:
        chosen = entities.iloc[[1]]
    entity_id, name = chosen["entity_id"].iloc[0], chosen["name"].iloc[0]
    open_page(page, server, "entity", charts=1, entity=entity_id, freq="week")
    assert_clean(page, server)
    main = page.locator('[data-testid="stMain"]')
    expect(main.locator("h3").first).to_have_text(name)
    assert selectbox_value(page, "Entity").startswith(name + " ·")
    assert entity_id in main_text(page)
    # the bound "Time step" control shows the URL's value, and the chart follows it
    step = page.locator('[data-testid="stButtonGroup"]').filter(has_text="day").first
    assert step.locator('button[aria-checked="true"]').inner_text().strip() == "week"
    assert "per week" in main_text(page)
    assert f"entity={quote(entity_id, safe='')}" in page.url


@dataclass(frozen=True)
class PeopleView:
    """What Overview showed for `?types=PER&min=2&img=svg`."""

    url: str
    chart_ids: list[str]
    types_text: str
    minimum: str
    image_format: str
    text: str


@pytest.fixture(scope="module")
def people_view(context, server) -> PeopleView:
    """Overview opened once from a link with filters (shared by the tests that read it)."""
    tab = context.new_page()
    try:
        open_page(tab, server, "", charts=2, types="PER", min="2", img="svg")
        assert_clean(tab, server)
        side = tab.locator('[data-testid="stSidebarUserContent"]')
        radio = side.locator('[data-testid="stRadio"]').filter(has_text="Chart image format")
        return PeopleView(
            url=tab.url,
            chart_ids=[str(c) for t in chart_data(tab, 0) if t["type"] == "bar"
                       for c in t["customdata"] or []],
            types_text=side.locator('[data-testid="stMultiSelect"]')
            .filter(has_text="Entity types").inner_text(),
            minimum=side.locator('[data-testid="stNumberInput"]').filter(has_text="Minimum")
            .locator("input").input_value(),
            image_format=radio.locator("input:checked")
            .evaluate("i => i.closest('label').innerText").strip(),
            text=main_text(tab),
        )
    finally:
        tab.close()


def test_overview_url_filters_reopen_the_view(people_view, seed_build) -> None:
    # the sidebar shows the URL's values...
    chips = people_view.types_text.split("\n")
    assert "PER" in chips and not {"ORG", "LOC", "MISC", "All types"} & set(chips), chips
    assert people_view.minimum == "2"
    assert people_view.image_format == "svg"  # the label is the value: links are lowercase
    # ... and the view follows them: people only (by entity type), mentioned at least twice
    entities = seed_build.tables["entities"]
    people = entities[(entities["label"] == "PER") & (entities["n_mentions"] >= 2)]
    people = people.sort_values("n_mentions", ascending=False)
    ids = people_view.chart_ids
    assert ids and all(e.startswith("per:") for e in ids), ids
    assert set(ids) <= set(people["entity_id"]), set(ids) - set(people["entity_id"])
    assert set(people["entity_id"].head(3)) <= set(ids), ids  # the most mentioned are drawn
    assert "Sam Altman" in people_view.text
    # the URL still names the view (nothing rewrote it away)
    assert all(p in people_view.url for p in ("types=PER", "min=2", "img=svg")), people_view.url


# --- Downloads -----------------------------------------------------------------------------------

def _camera(chart):
    """Hover a chart to show its plotly toolbar; return the toolbar's image download button."""
    chart.hover()
    chart.locator(".modebar").first.wait_for(state="visible")
    return chart.locator('.modebar-btn[data-title^="Download plot"]')


def test_chart_toolbar_and_csv_downloads(page, server) -> None:
    open_page(page, server, "", charts=4)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    camera = _camera(chart)
    assert camera.count() == 1
    buttons = chart.locator(".modebar-btn").evaluate_all(
        "bs => bs.map(b => [b.getAttribute('data-title'), b.getAttribute('data-val'), "
        "b.getAttribute('data-attr')].join('|'))")
    assert not [b for b in buttons if any(w in b.lower() for w in
                                          ("cloud", "chart studio", "share", "edit in"))], buttons
    assert not chart.locator(".modebar-btn--logo, a[href*='plotly.com']").count()

    with page.expect_download() as info:
        camera.click()
    assert info.value.suggested_filename == "top-entities-by-type.png"
    assert info.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the CSV button right under the chart: exactly the data plotted, readable by Excel (BOM)
    csv_button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="CSV").first
    with page.expect_download() as info:
        csv_button.locator("button").filter(visible=True).first.click()
    assert info.value.suggested_filename == "top-entities-by-type.csv"
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    caption, _, body = raw.decode("utf-8-sig").partition("\n")
    assert caption.startswith("# Revue · dataset ")  # what the data was drawn from
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and "Sam Altman" in {r.get("name") for r in rows}, rows[:3]
    assert_clean(page, server)


def test_camera_saves_svg_when_chosen(page, server) -> None:
    open_page(page, server, "timeline", charts=2)
    radio = page.locator('[data-testid="stRadio"]').filter(has_text="Chart image format")
    radio.get_by_text("svg", exact=True).click()
    page.wait_for_url("**img=svg*")  # a bound widget writes its displayed label to the URL
    wait_for_app(page, charts=2)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    with page.expect_download() as info:
        _camera(chart).click()
    assert info.value.suggested_filename.endswith(".svg"), info.value.suggested_filename
    assert b"<svg" in info.value.path().read_bytes()[:2000]


def test_typed_url_values_in_any_case(page, server) -> None:
    """`?img=SVG&types=per`, as a person may type them, open what they say."""
    open_page(page, server, "data", img="SVG", types="per")
    assert_clean(page, server)
    side = page.locator('[data-testid="stSidebarUserContent"]')
    radio = side.locator('[data-testid="stRadio"]').filter(has_text="Chart image format")
    checked = radio.locator("input:checked").evaluate("i => i.closest('label').innerText")
    assert checked.strip() == "svg"
    chips = side.locator('[data-testid="stMultiSelect"]').filter(
        has_text="Entity types").inner_text().split("\n")
    assert "PER" in chips and "All types" not in chips, chips


# --- The analyst's loop (#11, #12) ---------------------------------------------------------------

def sidebar_date(page, label: str) -> str:
    box = page.locator('[data-testid="stSidebarUserContent"] [data-testid="stDateInput"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first
    return box.locator('input[type="date"]').first.input_value()


def set_sidebar_date(page, label: str, value: str) -> None:
    """Type a date into the sidebar's date input `label`, as a user would, and let it rerun."""
    box = page.locator('[data-testid="stSidebarUserContent"] [data-testid="stDateInput"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first
    segments = box.locator('[role="spinbutton"]')
    segments.first.click()
    for i, part in enumerate(value.split("-")):  # year, month, day segments (YYYY-MM-DD)
        segments.nth(i).click()
        segments.nth(i).press_sequentially(part, delay=30)
    # leave the widget (a click beside it), as a user does: that commits the date
    page.locator('[data-testid="stSidebarUserContent"] h3').first.click()
    expect(box.locator('input[type="date"]').first).to_have_value(value)
    wait_for_app(page)


def what_it_shows(page) -> dict[str, object]:
    """The view as a user sees it: the dates, the headings, the numbers, the charts' data."""
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    headings = page.locator('[data-testid="stMain"] [data-testid="stHeading"]').all_inner_texts()
    selects = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input')
    charts = page.locator('[data-testid="stPlotlyChart"]').count()
    return {"from": sidebar_date(page, "From"), "to": sidebar_date(page, "To"),
            "metrics": metrics, "headings": headings,
            "selects": [selects.nth(i).input_value() for i in range(selects.count())],
            "charts": [json_of(chart_data(page, i)) for i in range(charts)]}


def json_of(traces: list[dict]) -> str:
    import json

    return json.dumps([[t["name"], t["type"], t["x"], t["y"]] for t in traces], sort_keys=True,
                      default=str)


@pytest.mark.parametrize("spec", PAGES, ids=[spec.name for spec in PAGES])
def test_dates_edited_on_any_page_reopen_from_the_link(browser, page, server, spec) -> None:
    """#11: on Entity, To then From switched to another entity and the URL lost both dates."""
    open_page(page, server, spec.path, charts=spec.charts, **dict(spec.params))
    before = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input')
    chosen = before.first.input_value() if before.count() else None
    set_sidebar_date(page, "To", "2023-11-22")
    set_sidebar_date(page, "From", "2023-11-21")
    assert_clean(page, server)
    assert "from=2023-11-21" in page.url and "to=2023-11-22" in page.url, page.url
    for key, _ in spec.params:
        assert f"{key}=" in page.url, (key, page.url)
    if chosen is not None and spec.name in ("entity", "articles", "compare"):
        assert before.first.input_value() == chosen  # still the same entity or article
    shown = what_it_shows(page)
    fresh = browser.new_context(viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris")
    try:
        tab = fresh.new_page()
        tab.set_default_timeout(RUN_TIMEOUT)
        tab.goto(page.url, wait_until="domcontentloaded")
        wait_for_app(tab, charts=len(shown["charts"]))
        assert_clean(tab, server)
        assert what_it_shows(tab) == shown
    finally:
        fresh.close()


UPLOAD_TEXTS = [
    ("article.txt", "Grève à Lyon : Marie Dupont appelle les agents de Transports Rhodaniens à "
                    "cesser le travail lundi. Marie Dupont rencontre Paul Martin à Lyon."),
    ("article.txt", "Accord à Grenoble : Paul Martin et Marie Dupont signent un accord avec "
                    "Transports Rhodaniens. Le conflit prend fin à Grenoble."),
]


def test_upload_then_navigate(page, server) -> None:
    """#12: two files of one name both kept, an over-limit file reported, then every page."""
    if SCREENSHOTS:
        pytest.skip("screenshot mode keeps the default upload cap; this test needs a low one")
    open_page(page, server, "data")
    big = b"Texte. " * 12_000  # 84 kB, over the 52 kB cap of this server
    files = [{"name": n, "mimeType": "text/plain", "buffer": t.encode("utf-8")}
             for n, t in UPLOAD_TEXTS] + [{"name": "big.txt", "mimeType": "text/plain",
                                           "buffer": big}]
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files)
    uploader = page.locator('[data-testid="stFileUploader"]')
    expect(uploader).to_contain_text("big.txt")
    expect(uploader).to_contain_text("article.txt")
    page.get_by_label("Dataset name", exact=True).fill("lyon-strike")
    page.get_by_role("button", name="Build dataset").click()
    page.wait_for_url("**dataset=lyon-strike*", timeout=180_000)
    wait_for_app(page, timeout=180_000)
    assert_clean(page, server)
    side = page.locator('[data-testid="stSidebarUserContent"]').inner_text()
    assert "lyon-strike" in side and "2 articles" in side, side
    assert "Built “lyon-strike”: 2 article(s), 1 build-report entry" in main_text(page)
    report = page.locator('[data-testid="stMain"]').inner_text()
    assert "Build report" in report
    for spec in PAGES:
        page.locator('[data-testid="stSidebarNav"] a').filter(
            has=page.get_by_text(spec.header, exact=True)).first.click()
        page.wait_for_url(f"**/{spec.path}*" if spec.path else "**/*")
        wait_for_app(page)
        assert_clean(page, server)
        assert "dataset=lyon-strike" in page.url, (spec.name, page.url)
        assert page.locator('[data-testid="stMain"] h2').first.inner_text().strip() == \
            spec.header
    # the same name again is refused, not overwritten
    open_page(page, server, "data", dataset="lyon-strike")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files[:1])
    page.get_by_label("Dataset name", exact=True).fill("lyon-strike")
    page.get_by_role("button", name="Build dataset").click()
    expect(page.locator('[data-testid="stAlertContentError"]')).to_contain_text("already exists")


@pytest.fixture(scope="module")
def curated_server(seed_build, tmp_path_factory) -> Iterator[Server]:
    """The dashboard on a copy of the seeds, for the tests that write curation."""
    copy = tmp_path_factory.mktemp("curated") / "seeds"
    shutil.copytree(seed_build.path, copy)
    with run_server(copy, tmp_path_factory) as running:
        yield running


def test_merge_and_undo_from_the_entity_page(context, curated_server) -> None:
    server = curated_server
    page = context.new_page()
    try:
        open_page(page, server, "entity", charts=1, entity="org:microsoft")
        main = page.locator('[data-testid="stMain"]')
        expect(main.locator("h3").first).to_have_text("Microsoft")
        page.get_by_text("Correct this entity").click()
        chooser = page.locator('[data-testid="stSelectbox"]').filter(
            has=page.locator('[data-testid="stWidgetLabel"]', has_text="Merge Microsoft into"))
        chooser.locator("input").click()
        chooser.locator("input").press_sequentially("OpenAI", delay=30)
        page.locator('[role="option"]').filter(has_text="OpenAI").first.click()
        wait_for_app(page)
        page.get_by_role("button", name="Merge", exact=True).click()
        page.wait_for_url("**entity=misc%3Aopenai*")
        wait_for_app(page, charts=1)
        assert_clean(page, server)
        expect(main.locator("h3").first).to_have_text("OpenAI")
        assert "Merged Microsoft into OpenAI." in main_text(page)
        # every page sees it: Microsoft is no longer on Overview
        open_page(page, server, "", charts=2)
        assert "Microsoft" not in json_of(chart_data(page, 0))
        # undo from the list
        open_page(page, server, "entity", charts=1, entity="misc:openai")
        page.get_by_text("Correct this entity").click()
        page.get_by_role("button", name="Undo").first.click()
        wait_for_app(page, charts=1)
        assert "Undone: merge org:microsoft" in main_text(page)
        open_page(page, server, "entity", charts=1, entity="org:microsoft")
        expect(main.locator("h3").first).to_have_text("Microsoft")
        assert_clean(page, server)
    finally:
        page.close()


def test_kwic_for_a_phrase(page, server) -> None:
    open_page(page, server, "search", charts=1, q='"Sam Altman"')
    assert_clean(page, server)
    assert 'Searching for: "sam altman"' in main_text(page)
    button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="CSV of these hits")
    with page.expect_download() as info:
        button.locator("button").first.click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_bytes().decode("utf-8-sig"))))
    assert rows and {r["hit"] for r in rows} == {"Sam Altman"}
    assert all(r["left"] or r["right"] for r in rows)
    # the article of a hit, with the hits highlighted
    open_page(page, server, "articles", article=rows[0]["article_id"], q='"Sam Altman"')
    marks = page.locator('mark[title="search hit (search)"]')
    assert marks.count() >= 1
    assert {m.strip() for m in marks.all_inner_texts()} == {"Sam Altman"}
