"""Widgets shared by the pages: a chart with its downloads, click handling, links, empty states.

Every chart goes through `show_chart`, so every chart offers the same things: the toolbar camera
(PNG or SVG, chosen in the sidebar, at 2x scale), the CSV of exactly the data plotted, and a
standalone HTML file whose toolbar offers both PNG and SVG — "light" (plotly.js from its CDN,
some kB) or "offline" (plotly.js inlined, 4.8 MB). Each export says what it was drawn from
(dataset, filters, date): in the figure's caption line, the CSV's first line, the HTML
`<title>`. CSV cells are escaped against formula injection.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast
from urllib.parse import urlencode

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.elements.plotly_chart import SelectionMode

from revue_app import escape
from revue_app.charts import with_caption
from revue_app.filters import global_params, url_choice
from revue_app.queries import Weight, Window, auto_freq
from revue_app.vocab import Freq, export_caption

PAGES = {
    "overview": "revue_app/pages/overview.py",
    "entity": "revue_app/pages/entity.py",
    "network": "revue_app/pages/network.py",
    "timeline": "revue_app/pages/timeline.py",
    "articles": "revue_app/pages/articles.py",
    "search": "revue_app/pages/search.py",
    "compare": "revue_app/pages/compare.py",
    "data": "revue_app/pages/data.py",
}


def slug(text: str) -> str:
    """Return a file-name-safe version of `text` (accents kept out of file names)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:80] or "chart"


def plotly_config(name: str, image_format: str = "png") -> dict[str, Any]:
    """Return the plotly config: toolbar image download named after the chart, no cloud, no logo."""
    return {
        "toImageButtonOptions": {"format": image_format, "filename": name, "scale": 2},
        "modeBarButtonsToRemove": ["sendChartToCloud", "lasso2d", "select2d"],
        "displaylogo": False,
    }


_SVG_BUTTON = """
var gd = document.getElementById('{plot_id}');
var config = Object.assign(%s, {modeBarButtonsToAdd: [{
  name: 'Download plot as SVG', icon: Plotly.Icons.disk,
  click: function (g) { Plotly.downloadImage(g, {format: 'svg', filename: %s}); }
}]});
Plotly.react(gd, gd.data, gd.layout, config);
"""


def standalone_html(fig: go.Figure, name: str, *, title: str = "", offline: bool = True
                    ) -> bytes:
    """Return the chart as one HTML file whose toolbar saves PNG (camera) and SVG (disk), named
    by its `<title>` (`title`, else the figure's title). `offline`: plotly.js inlined (4.8 MB,
    opens anywhere); else loaded from plotly's CDN (a few kB, needs a connection)."""
    config = plotly_config(name, "png")
    script = _SVG_BUTTON % (json.dumps(config), json.dumps(name))
    page = fig.to_html(include_plotlyjs=True if offline else "cdn", full_html=True,
                       config=config, post_script=script)
    caption = getattr(fig.layout.title.subtitle, "text", None) or ""
    heading = title or " — ".join(p for p in (fig.layout.title.text, caption) if p)
    # The figure's texts are escaped for plotly (&amp; &lt;): decoded, then escaped for HTML.
    named = html.escape(escape.decode(re.sub(r"<br\s*/?>", " · ", heading or name)))
    charset = '<meta charset="utf-8" />'
    if charset in page:  # the title after the charset, so its accents are read as UTF-8
        page = page.replace(charset, f"{charset}\n    <title>{named}</title>", 1)
    else:
        page = page.replace("<head>", f'<head><meta charset="utf-8"><title>{named}</title>', 1)
    return page.encode("utf-8")


def csv_bytes(data: pd.DataFrame, *, caption: str = "") -> bytes:
    """Return `data` as CSV for spreadsheets: UTF-8 with BOM (accents survive Excel), no lists,
    every text cell escaped against formula injection; `caption` (what the data was drawn
    from), if given, is the first line, one cell starting with "#"."""
    flat = data.drop(columns=[c for c in data.columns
                              if data[c].map(lambda v: isinstance(v, list | tuple)).any()])
    buffer = io.StringIO()
    if caption:
        csv.writer(buffer, lineterminator="\n").writerow([f"# {escape.one_line(caption)}"])
    escape.csv_frame(flat).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def view_caption(*extra: str) -> str:
    """Return the export caption of the current view: dataset, filters, `extra` (a page's
    own parameters), and now ("" outside the dashboard)."""
    from revue_app.data import VIEW_KEY

    view = st.session_state.get(VIEW_KEY)
    if view is None:
        return ""
    return export_caption(view.path.name, view.filters, extra=extra)


def image_format() -> str:
    value = str(st.session_state.get("img") or "png").lower()
    return value if value in ("png", "svg") else "png"


FREQS: dict[str, Freq] = {"day": "D", "week": "W", "month": "M"}
FREQ_WORDS = {v: k for k, v in FREQS.items()}


def time_step_ui(dates: pd.Series, *, container: Any = st) -> tuple[Freq, str]:
    """Draw the URL-bound "Time step" control (auto, day, week, month); return the step and
    its name. "auto" (the default) picks the step from the span of `dates` (the view's
    publication dates), so five articles over nine months come out per month, not as a spike
    at each end of a daily axis."""
    options = ["auto", *FREQS]
    auto = auto_freq(dates)
    choice = container.segmented_control(
        "Time step", options, key="freq", required=True,
        help=f"auto: the step that suits the span of the view (here: {FREQ_WORDS[auto]}).",
        **url_choice("freq", options, default="auto")) or "auto"
    freq = auto if choice == "auto" else FREQS[choice]
    return freq, FREQ_WORDS[freq]


WINDOWS = ("sentence", "article")
WEIGHTS = ("count", "npmi", "pmi", "jaccard")
WEIGHT_HELP = ("count: times together; PMI: log2 of observed / expected; NPMI: PMI scaled to "
               "[-1, 1]; Jaccard: together / either.")


def cooccurrence_ui(window_box: Any, weight_box: Any, *, window_key: str, weight_key: str,
                    weight_label: str) -> tuple[Window, Weight]:
    """Return the co-occurrence window and weight chosen (both kept in the URL)."""
    window = window_box.segmented_control(
        "Together in the same", WINDOWS, key=window_key, required=True,
        **url_choice(window_key, WINDOWS, default="sentence"))
    weight = weight_box.selectbox(weight_label, WEIGHTS, key=weight_key,
                                  help=WEIGHT_HELP, **url_choice(weight_key, WEIGHTS))
    return cast(Window, window or "sentence"), cast(Weight, weight or "count")


def table_or_caption(frame: pd.DataFrame, columns: list[str], *, empty: str,
                     **options: Any) -> None:
    """Show `frame[columns]` as a table, or say in one line that there is nothing to show."""
    if frame.empty:
        st.caption(empty)
    else:
        st.dataframe(frame[columns], hide_index=True, width="stretch", **options)


def show_chart(
    fig: go.Figure,
    data: pd.DataFrame,
    name: str,
    *,
    key: str,
    on_select: Literal["rerun", "ignore"] = "ignore",
    selection_mode: SelectionMode = "points",
    height: int | None = None,
    caption: str | None = None,
) -> Any:
    """Draw `fig` with its downloads (CSV of `data`, standalone HTML, light or offline);
    return the selection. `caption` (default: the current dataset, filters and date) is
    drawn under the title, so every export of the chart says what it shows."""
    name = slug(name)
    caption = view_caption() if caption is None else caption
    fig = with_caption(fig, caption) if caption else fig
    event = st.plotly_chart(
        fig, config=plotly_config(name, image_format()), key=key, on_select=on_select,
        selection_mode=selection_mode, theme=None, width="stretch", height=height or "content",
    )
    row = st.container(horizontal=True, key=f"{key}-downloads")
    row.download_button("CSV", data=lambda: csv_bytes(data, caption=caption or ""),
                        file_name=f"{name}.csv", mime="text/csv", key=f"{key}-csv",
                        on_click="ignore", icon=":material/table:",
                        help="The data behind this chart (first line: what it was drawn from)")
    row.download_button("HTML", data=lambda: standalone_html(fig, name, offline=False),
                        file_name=f"{name}.html", mime="text/html", key=f"{key}-html",
                        on_click="ignore", icon=":material/code:",
                        help="The interactive chart as one small file (plotly.js loaded from "
                             "its CDN: needs a connection); its toolbar saves PNG and SVG")
    row.download_button("HTML offline", data=lambda: standalone_html(fig, name),
                        file_name=f"{name}-offline.html", mime="text/html",
                        key=f"{key}-html-offline", on_click="ignore",
                        icon=":material/download_for_offline:",
                        help="The same chart with plotly.js inside (4.8 MB): opens without "
                             "a connection")
    return event


def selected_ids(event: Any) -> list[str]:
    """Return the customdata ids of the clicked points (first element when a list)."""
    if not event:
        return []
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return []
    ids = []
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if data not in (None, ""):
            ids.append(str(data))
    return ids


def go_to(page: str, **params: str | list[str]) -> None:
    """Switch to another page, keeping the app-wide filters and setting `params`."""
    st.switch_page(PAGES[page], query_params=global_params(**params))


def page_url(page: str, **params: str) -> str:
    """Return a relative link to a page with parameters (opens the same view in a new tab)."""
    path = "" if page == "overview" else page
    query = urlencode({**_current_params(), **params}, doseq=True)
    return f"./{path}?{query}" if query else f"./{path}"


def _current_params() -> dict[str, list[str]]:
    """The app-wide params of the current URL, so a link keeps the filters."""
    return {k: v if isinstance(v, list) else [v] for k, v in global_params().items()}


def md_escape(text: object) -> str:
    """Return `text` as Markdown that shows literally (`escape.md`; kept for the pages)."""
    return escape.md(text)


def no_data(what: str, active: Sequence[str]) -> None:
    """Say there is nothing to show and which filters to relax."""
    what = escape.md(what)  # may hold an entity name
    if active:
        st.info(f"No {what} for the current filters. Try relaxing: {', '.join(active)}.",
                icon=":material/filter_alt_off:")
    else:
        st.info(f"No {what} in this dataset.", icon=":material/info:")


def metric_row(values: Mapping[str, Any]) -> None:
    """Show headline numbers side by side."""
    row = st.container(horizontal=True, key="metrics")
    for label, value in values.items():
        row.metric(label, value, border=True)
