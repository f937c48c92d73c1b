"""Charts: `(frame, *, options) -> go.Figure`, pure and tested on `fig.to_dict()`.

One colour per entity type everywhere (`vocab.TYPE_COLOURS`, Okabe-Ito, readable by
colour-blind readers), one colour per entity where entities are compared; entity/article ids
ride along in `customdata` so a click maps back to what was drawn; every title says what is
counted. Every untrusted string (names, titles, sources) goes through `escape.plotly` (plotly
renders a subset of HTML, links included); axis labels are cut to a fixed width so they never
run into a neighbouring panel, the full text on hover. `with_caption` adds the line that says
which dataset and filters a chart was drawn from (every export carries it).
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from revue_app import escape
from revue_app.vocab import (
    ENTITY_COLOURS,
    FREQ_NAMES,
    LABELS,
    SENTIMENT_COLOURS,  # noqa: F401  (re-exported: pages may still read charts.SENTIMENT_COLOURS)
    SENTIMENT_SCALE,
    TYPE_COLOURS,
    TYPE_NAMES,
    Freq,
    fmt_day,
    sentiment_colour,
)

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x")
FONT = "Source Sans Pro, Helvetica Neue, Arial, sans-serif"
TITLE_PX = 44  # the title's band at the top of every figure
TITLE_CHARS = 80  # a longer title (a long entity name in it) wraps onto more lines
TITLE_LINE_PX = 22
CAPTION_PX = 17  # one line of caption under the title
CAPTION_WIDTH = 120  # characters per caption line
LEGEND_ROW_PX = 26  # one row of a horizontal legend
AXIS_LABEL = 32  # characters of a name on an axis (the hover has it all)
LEGEND_LABEL = 34  # characters of a name in a legend
# Every figure is drawn on the white template. Set as plotly's default, a new figure gets it as
# it is made (plotly skips validating a default template); assigned to each figure, the
# template (hundreds of properties) was validated and copied again: ~10 ms per chart, most of
# a chart's cost on a small dataset.
TEMPLATE = "plotly_white"
pio.templates.default = TEMPLATE


def _layout(fig: go.Figure, title: str, *, height: int | None = None, legend_rows: int = 0
            ) -> go.Figure:
    """Apply the shared look: the title (escaped here: callers pass plain text; wrapped when
    long) pinned to the top left, white template, readable font, and room above the plot for
    `legend_rows` rows of a horizontal legend, so a legend never covers the title."""
    lines = textwrap.wrap(escape.decode(title), TITLE_CHARS) or [""]
    top = TITLE_PX + TITLE_LINE_PX * (len(lines) - 1) + LEGEND_ROW_PX * legend_rows
    fig.update_layout(
        title={"text": "<br>".join(escape.plotly(line) for line in lines), "x": 0,
               "xanchor": "left", "xref": "container",
               "y": 1, "yanchor": "top", "yref": "container", "pad": {"t": 14, "l": 10}},
        font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        hoverlabel={"align": "left"},
        **({"height": height + top} if height else {}),
    )
    return fig


def _side_legend() -> dict[str, Any]:
    """A vertical legend right of the plot, top-aligned with it: it can never reach the title
    or the export caption above the plot, however narrow the figure (a horizontal legend wraps
    into more rows than the band above the plot holds)."""
    return {"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top",
            "yref": "paper"}


def with_caption(fig: go.Figure, caption: str) -> go.Figure:
    """Return a copy of `fig` with `caption` (plain text: dataset, filters, date) as a grey
    subtitle under its title, wrapped, and the top margin grown to hold it: the PNG, SVG and
    HTML exports of the figure then say what they were drawn from."""
    lines = textwrap.wrap(escape.one_line(caption), CAPTION_WIDTH)
    if not lines:
        return fig
    # copied without its template, which the copy gets back as plotly's default (see TEMPLATE):
    # copying the template itself re-validates it (~8 ms)
    layout = fig.layout.to_plotly_json()
    template = layout.pop("template", None)
    out = go.Figure(data=fig.data, layout=layout)
    if template is not None and out.layout.template != fig.layout.template:
        out.update_layout(template=template)  # not the default template: copied as it is
    margin = out.layout.margin
    grow = CAPTION_PX * len(lines) + 4
    out.update_layout(
        title={"subtitle": {"text": "<br>".join(escape.plotly(line) for line in lines),
                            "font": {"size": 11, "color": "#6B7785"}}},
        margin={"t": (margin.t or 0) + grow},
    )
    if out.layout.height:
        out.update_layout(height=out.layout.height + grow)
    return out


def empty_figure(message: str, *, title: str = "") -> go.Figure:
    """Return a blank figure that says why it is blank (charts never fail on empty data)."""
    fig = go.Figure()
    fig.add_annotation(text=escape.plotly(message), showarrow=False, x=0.5, y=0.5,
                       xref="paper", yref="paper", font={"size": 15, "color": "#666"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=200)


def _wrap(text: object, width: int = 70) -> str:
    """Escape untrusted text for a hover label and wrap it into lines."""
    return "<br>".join(escape.plotly(line) for line in textwrap.wrap(escape.decode(text), width))


def _short(text: object, width: int = AXIS_LABEL) -> str:
    """Escape and shorten a label for an axis or legend (the hover keeps the full text)."""
    return escape.plotly(escape.shorten(text, width))


def _fmt_day(value: object) -> str:
    return fmt_day(value)


# ---------------------------------------------------------------------------------------------
# Counts


def top_entities_bar(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Horizontal bars of mentions per entity, one panel per type; customdata = entity ids.

    `frame`: entity_id, name, label, n_mentions, n_articles (from `queries.top_entities`).
    """
    title = title or "Most mentioned entities, by type (number of mentions)"
    if frame.empty:
        return empty_figure("No entity in the current view.", title=title)
    labels = [lab for lab in LABELS if lab in set(frame["label"])]
    labels += sorted(set(frame["label"]) - set(labels))
    cols = 2 if len(labels) > 1 else 1
    rows = math.ceil(len(labels) / cols)
    # Names are cut to AXIS_LABEL characters, so the gap between the two columns can hold the
    # longest label of the right-hand panels on a 720 px wide figure (wider only adds room):
    # a long organisation name never runs over the people's bars.
    right = [escape.shorten(n, AXIS_LABEL) for i, lab in enumerate(labels) if i % cols == 1
             for n in frame.loc[frame["label"] == lab, "name"]]
    gap = min(0.42, max(0.1, (7.2 * max(map(len, right), default=0) + 40) / 720))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[TYPE_NAMES.get(lab, lab)
                                                             for lab in labels],
                        horizontal_spacing=gap if cols > 1 else 0.2,
                        vertical_spacing=min(0.3, 70 / (60 + rows * 200)))
    longest = 1
    for i, label in enumerate(labels):
        part = frame[frame["label"] == label].sort_values("n_mentions")
        longest = max(longest, len(part))
        row, col = i // cols + 1, i % cols + 1
        fig.add_trace(
            go.Bar(
                x=part["n_mentions"].tolist(),
                y=part["entity_id"].tolist(),
                orientation="h",
                name=TYPE_NAMES.get(label, label),
                marker={"color": TYPE_COLOURS.get(label, "#888")},
                customdata=part["entity_id"].tolist(),
                hovertext=[
                    f"<b>{escape.plotly(n)}</b><br>{m} mentions in {a} article(s)"
                    for n, m, a in zip(part["name"], part["n_mentions"], part["n_articles"],
                                       strict=True)
                ],
                hoverinfo="text",
                showlegend=False,
            ),
            row=row, col=col,
        )
        fig.update_yaxes(tickvals=part["entity_id"].tolist(), automargin=True,
                         ticktext=[_short(n) for n in part["name"]], row=row, col=col)
    fig.update_layout(clickmode="event+select", bargap=0.25)
    # legend_rows=1: the band above the plot holds the panel titles of the first row
    return _layout(fig, title, height=60 + rows * max(160, 26 * longest), legend_rows=1)


def entity_bar(
    frame: pd.DataFrame, *, value: str, title: str, value_label: str | None = None
) -> go.Figure:
    """Horizontal bars of one value per entity (e.g. co-mention weight), coloured by type.

    `frame`: entity_id, name, label and the `value` column, in the order to draw (top first);
    customdata = entity ids.
    """
    if frame.empty:
        return empty_figure("Nothing to rank in the current view.", title=title)
    part = frame.iloc[::-1]
    fig = go.Figure(go.Bar(
        x=part[value].round(4).tolist(), y=part["entity_id"].tolist(), orientation="h",
        marker={"color": [TYPE_COLOURS.get(lab, "#888") for lab in part["label"]]},
        customdata=part["entity_id"].tolist(), name=value_label or value,
        hovertext=[f"<b>{escape.plotly(n)}</b> ({lab})<br>{value_label or value}: {v:.3g}"
                   for n, lab, v in zip(part["name"], part["label"], part[value], strict=True)],
        hoverinfo="text",
    ))
    fig.update_layout(yaxis={"tickvals": part["entity_id"].tolist(),
                             "ticktext": [_short(n) for n in part["name"]], "automargin": True},
                      xaxis={"title": value_label or value, **_count_ticks(part[value])},
                      clickmode="event+select")
    return _layout(fig, title, height=60 + 26 * len(part))


def _count_ticks(values: pd.Series) -> dict[str, Any]:
    """Whole-number ticks for small counts: "0.2 mentions" means nothing."""
    whole = bool(len(values)) and bool((values.dropna() % 1 == 0).all())
    return {"dtick": 1, "tickformat": "d"} if whole and values.max() <= 10 else {}


def mentions_bar(
    frame: pd.DataFrame, *, by: Literal["article", "source"] = "article", title: str | None = None
) -> go.Figure:
    """Stacked horizontal bars of mentions per article (or source), coloured by type.

    `frame`: from `queries.mention_counts_by_article` / `_by_source`; customdata = article id
    (or source name).
    """
    what = "article" if by == "article" else "source"
    title = title or f"Mentions per {what}, by entity type"
    if frame.empty:
        return empty_figure(f"No mention in any {what} of the current view.", title=title)
    key = "article_id" if by == "article" else "source"
    axis = "article" if by == "article" else "source"
    order = frame.groupby(key, sort=False)["n_mentions"].sum()
    if by == "source":
        order = order.sort_values()
    cats = order.index.tolist()
    if by == "article":
        ticks = frame.drop_duplicates(key).set_index(key)["article"].reindex(cats).tolist()
    else:
        ticks = cats
    fig = go.Figure()
    for label in [lab for lab in LABELS if lab in set(frame["label"])]:
        part = frame[frame["label"] == label]
        fig.add_trace(go.Bar(
            x=part["n_mentions"].tolist(), y=part[key].tolist(), orientation="h",
            name=TYPE_NAMES[label], marker={"color": TYPE_COLOURS[label]},
            customdata=part[key].tolist(),
            hovertext=[f"{_wrap(t)}<br>{n} {label} mentions"
                       for t, n in zip(part[axis], part["n_mentions"], strict=True)],
            hoverinfo="text",
        ))
    fig.update_layout(barmode="stack", legend=_side_legend(),
                      yaxis={"categoryorder": "array", "categoryarray": cats,
                             "tickvals": cats,
                             "ticktext": [_short(t, 55) for t in ticks], "automargin": True},
                      xaxis={"title": "mentions"})
    return _layout(fig, title, height=80 + 28 * len(cats))


@cache
def cloud_font() -> str | None:
    """Return the path of DejaVu Sans, shipped inside matplotlib (a wordcloud dependency), so
    the cloud never falls back to wordcloud's monospace default; None if it cannot be found."""
    try:
        import matplotlib
    except ImportError:
        return None
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if bundled.exists():
        return str(bundled)
    from matplotlib import font_manager

    found = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    return found or None


def _font_path() -> str:
    from wordcloud.wordcloud import FONT_PATH

    return cloud_font() or FONT_PATH


@lru_cache(maxsize=256)
def _font(size: int, vertical: bool) -> Any:
    """The cloud's font at `size` px, turned for vertical words (loaded once per size)."""
    from PIL import Image, ImageFont

    return ImageFont.TransposedFont(ImageFont.truetype(_font_path(), size),
                                    orientation=Image.Transpose.ROTATE_90 if vertical else None)


def _no_colour(*_: Any, random_state: Any = None, **__: Any) -> str:
    """The colour `wordcloud` would pick for a word, unused (words take their type's colour):
    it draws the same random number as wordcloud's default (a matplotlib colormap, ~1 ms a
    word, and pyplot imported), so the layout is the same, without the colormap."""
    if random_state is not None:
        random_state.uniform(0, 1)
    return "black"


class _Shrunk(Exception):
    """A word of the cloud could not be placed at its own size (see `cloud_layout`)."""


def _exact_or_stop(expected: Mapping[str, int], word: str, *_: Any, font_size: int = 0,
                   random_state: Any = None, **__: Any) -> str:
    """`_no_colour`, called by `wordcloud` as each word is placed; raises _Shrunk when the
    word's size is not the one asked for (the try would be rejected anyway)."""
    if abs(font_size - expected[word]) > max(1, 0.04 * expected[word]):
        raise _Shrunk(word)
    return _no_colour(random_state=random_state)


CLOUD_MIN_PX = 13  # the smallest word, in image px (about 9 px on screen)
CLOUD_CHARS = 30  # a longer name is cut in the cloud (whole on hover)
CLOUD_FILL = 0.42  # share of the image the words may cover at first try
CLOUD_TRIES = 8


@lru_cache(maxsize=32)
def cloud_layout(items: tuple[tuple[str, float], ...], width: int, height: int
                 ) -> tuple[tuple[str, int, int, int, int, int, bool], ...]:
    """Lay out words so that each word's *area* follows its weight: font size ∝ √weight,
    the rarest at CLOUD_MIN_PX at least. Returns (word, font px, left, top, box width, box
    height, vertical) per word drawn, largest first.

    `wordcloud` sizes each word relative to the one before and shrinks everything after a word
    that did not fit (and drops the rest once below its minimum size): so the cloud is laid out
    at a first scale estimated from the words' area, then at smaller scales until every word
    fits at its own size (or CLOUD_TRIES runs out: then the words that fit, the sizes exact).
    """
    from PIL import Image, ImageDraw
    from wordcloud import WordCloud

    top = max(w for _, w in items)
    root = [(word, math.sqrt(w / top)) for word, w in items]
    area = sum((0.6 * len(word) + 0.4) * 1.2 * f * f for word, f in root)
    # no word wider than 80 % of the image (glyphs are ~0.6 em wide on average)
    widest = max((0.6 * len(word) + 0.4) * f for word, f in root)
    scale = min(math.sqrt(CLOUD_FILL * width * height / max(area, 1e-9)), 0.3 * height,
                0.8 * width / widest)
    layout: list = []
    expected: dict[str, int] = {}
    for attempt in range(CLOUD_TRIES):
        scale = max(scale, CLOUD_MIN_PX)
        weights = {word: max(f, CLOUD_MIN_PX / scale) for word, f in root}
        expected = {word: max(CLOUD_MIN_PX, round(scale * f)) for word, f in weights.items()}
        # Before the last try, a word placed at a size other than its own dooms the try: it
        # stops there (the next scale is tried) rather than laying out every other word first.
        colour = _no_colour if attempt == CLOUD_TRIES - 1 else partial(_exact_or_stop, expected)
        cloud = WordCloud(width=width, height=height, relative_scaling=1, random_state=7,
                          max_font_size=round(scale), min_font_size=CLOUD_MIN_PX - 1,
                          prefer_horizontal=0.9, max_words=len(weights), margin=2,
                          collocations=False, font_path=_font_path(), color_func=colour)
        try:
            layout = cloud.generate_from_frequencies(weights).layout_
        except _Shrunk:
            scale *= 0.85
            continue
        exact = all(abs(size - expected[word]) <= max(1, 0.04 * expected[word])
                    for (word, _), size, *_ in layout)
        if exact and len(layout) == len(root):
            break
        scale *= 0.85
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    out = []
    for (word, _), size, (row, col), orientation, _colour in layout:
        if abs(size - expected[word]) > max(1, 0.04 * expected[word]):
            continue  # shrunk to fit: drawing it would misstate its count
        box = draw.textbbox((0, 0), word, font=_font(size, orientation is not None),
                            anchor="lt")
        out.append((word, int(size), int(col), int(row), int(box[2]), int(box[3]),
                    orientation is not None))
    return tuple(out)


def word_cloud(frame: pd.DataFrame, *, title: str | None = None, width: int = 800,
               height: int = 520, column_px: int = 540, unit: str | None = None) -> go.Figure:
    """A word cloud as an image, each word's area proportional to its count (font size ∝
    √count; the rarest drawn at a readable minimum); entity names take their type's colour,
    names longer than CLOUD_CHARS are cut, and hovering a word gives its full name and count.

    The image is `width` × `height` px (the aspect ratio of the dashboard's word-cloud column)
    and the figure is sized so that, `column_px` wide, the image fills it edge to edge. Names
    are shown decoded and on one line (a name with a line break cannot be drawn). When not
    every word fits, the title says how many are drawn.

    `frame`: term, n, label (from `queries.word_frequencies`).
    """
    from PIL import Image, ImageDraw

    title = title or "Word cloud (size = frequency)"
    counts: dict[str, int] = {}
    colour_of: dict[str, str] = {}
    full: dict[str, str] = {}  # drawn word → the whole name, for the hover
    for term, n, label in zip(frame["term"], frame["n"], frame["label"], strict=True):
        name = escape.decode(term)
        if not name or pd.isna(n) or n <= 0:
            continue
        word = escape.shorten(name, CLOUD_CHARS)
        if full.setdefault(word, name) != name:  # two long names cut alike: keep them apart
            word = name
            full[word] = name
        counts[word] = counts.get(word, 0) + int(n)
        colour_of.setdefault(word, TYPE_COLOURS.get(str(label), "#34495E"))
    if not counts:
        return empty_figure("No word to draw in the current view.", title=title)
    items = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    # entity names count mentions; content words (no type) count occurrences
    unit = unit or ("mentions" if frame["label"].astype("str").str.len().gt(0).any()
                    else "occurrences")
    placed = cloud_layout(items, width, height)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for word, size, left, top, _, _, vertical in placed:
        draw.text((left, top), word, fill=colour_of[word], font=_font(size, vertical),
                  anchor="lt")
    buffer = io.BytesIO()
    # compress level 3: as small as the default (6) here, in two thirds of the time; optimize=True
    # is 1.5% smaller, 6x slower (~80 ms)
    image.save(buffer, format="PNG", compress_level=3)
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    fig = go.Figure(go.Image(source=uri, hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=[left + w / 2 for _, _, left, _, w, _, _ in placed],
        y=[top + h / 2 for _, _, _, top, _, h, _ in placed],
        mode="markers", marker={"size": [max(8, min(s, 40)) for _, s, *_ in placed],
                                "color": "rgba(0,0,0,0)"},
        customdata=[full[w] for w, *_ in placed], name="words", showlegend=False,
        hovertext=[f"<b>{_wrap(full[w])}</b>: {counts[w]} {unit}" for w, *_ in placed],
        hoverinfo="text"))
    if len(placed) < len(items):
        title = f"{title} — the {len(placed)} most frequent of {len(items)}"
    fig.update_xaxes(visible=False, range=[0, width], constrain="domain")
    fig.update_yaxes(visible=False, range=[height, 0], constrain="domain")
    fig = _layout(fig, title, height=round(column_px * height / width))
    fig.update_layout(margin={"l": 0, "r": 0, "b": 0}, hovermode="closest")
    return fig


def sentiment_histogram(
    frame: pd.DataFrame, *, what: str = "articles", bins: int = 20, title: str | None = None
) -> go.Figure:
    """Bars of how many articles (or sentences) fall in each sentiment band of [-1, 1].

    `frame`: a `sentiment` column and, optionally, `title` (listed in the hover).
    """
    title = title or f"{what.capitalize()} per sentiment band"
    scores = frame.dropna(subset=["sentiment"])
    if scores.empty:
        return empty_figure(f"No scored {what} in the current view.", title=title)
    edges = [-1 + 2 * i / bins for i in range(bins + 1)]
    band = pd.cut(scores["sentiment"].clip(-1, 1), edges, include_lowest=True, labels=False)
    centres = [(edges[i] + edges[i + 1]) / 2 for i in range(bins)]
    counts = band.value_counts().reindex(range(bins), fill_value=0)
    names = scores["title"].fillna("").astype("str") if "title" in scores else None
    hover = []
    for i in range(bins):
        text = f"{edges[i]:+.1f} to {edges[i + 1]:+.1f}: {int(counts[i])} {what}"
        if names is not None and counts[i]:
            listed = names[band == i].head(5).map(lambda t: _short(t, 70)).tolist()
            text += "<br>" + "<br>".join(f"• {t}" for t in listed)
        hover.append(text)
    colours = [sentiment_colour(c) for c in centres]
    fig = go.Figure(go.Bar(x=centres, y=counts.tolist(), width=2 / bins * 0.9,
                           marker={"color": colours}, hovertext=hover, hoverinfo="text",
                           name=what))
    fig.update_layout(
        xaxis={"title": "sentiment (negative ← 0 → positive)", "range": [-1.05, 1.05]},
        yaxis={"title": what}, bargap=0.05)
    return _layout(fig, title, height=260)


# ---------------------------------------------------------------------------------------------
# Time


PERIOD_HOVER = {"D": "%{x|%Y-%m-%d}", "W": "week of %{x|%Y-%m-%d}", "M": "%{x|%B %Y}"}


def _quiet_zeros(counts: Sequence[int]) -> list[int | None]:
    """Keep the zeros next to a non-zero period (a line falls to zero and rises from it) and
    blank the others, so months without a mention are not drawn as a long flat line."""
    out: list[int | None] = []
    for i, n in enumerate(counts):
        near = (i > 0 and counts[i - 1] > 0) or (i + 1 < len(counts) and counts[i + 1] > 0)
        out.append(int(n) if n > 0 or near else None)
    return out


def _next_period(period: pd.Timestamp, freq: Freq) -> pd.Timestamp:
    if freq == "D":
        return period + pd.Timedelta(days=1)
    if freq == "W":
        return period + pd.Timedelta(days=7)
    return period + pd.offsets.MonthBegin(1)


def _with_gaps(periods: Sequence[pd.Timestamp], values: Sequence[Any], freq: Freq
               ) -> tuple[list[Any], list[Any]]:
    """Insert a blank point between periods that do not follow each other, so a line only
    joins adjacent periods (plotly breaks a line at None)."""
    xs: list[Any] = []
    ys: list[Any] = []
    for i, (p, v) in enumerate(zip(periods, values, strict=True)):
        if i and _next_period(pd.Timestamp(periods[i - 1]), freq) < pd.Timestamp(p):
            xs.append(_next_period(pd.Timestamp(periods[i - 1]), freq))
            ys.append(None)
        xs.append(p)
        ys.append(v)
    return xs, ys


MAX_BAR_PERIODS = 62  # up to this many periods, bars; beyond, markers (bars would be hairs)
PATTERNS = ("", "/", ".", "x", "\\", "+")
PERIOD_MS = {"D": 86_400_000, "W": 7 * 86_400_000, "M": "M1"}


def _period_trace(freq: Freq) -> dict[str, Any]:
    """Trace settings that draw a value across its whole day/week/month, centred in it."""
    return {"xperiod": PERIOD_MS[freq], "xperiodalignment": "middle",
            **({"xperiod0": "2000-01-03"} if freq == "W" else {})}  # weeks start on Monday


def _period_xaxis(freq: Freq, n_periods: int) -> dict[str, Any]:
    """Axis settings to go with `_period_trace`: each label under the middle of its period,
    every month named when there are few."""
    out: dict[str, Any] = {"ticklabelmode": "period"}
    if freq == "M" and n_periods <= 15:
        out.update(dtick="M1", tickformat="%b<br>%Y")
    elif freq in ("D", "W") and n_periods <= 31:  # never hours: a period is at least a day
        out.update(dtick=PERIOD_MS[freq], tickformat="%d %b<br>%Y")
        if freq == "W":
            out.update(tick0="2000-01-03")  # weeks start on Monday
    return out


def entity_colours(ids: Sequence[str]) -> dict[str, str]:
    """Return a distinct colour per compared entity, in the order given (ENTITY_COLOURS,
    cycling beyond ten: the charts then add a pattern or dash)."""
    return {e: ENTITY_COLOURS[i % len(ENTITY_COLOURS)] for i, e in enumerate(dict.fromkeys(ids))}


def mentions_over_time(
    frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None, freq: Freq = "D",
    title: str | None = None, counting: str = "mentions",
) -> go.Figure:
    """Mentions (or search hits: `counting`) per period, one series per entity, each in its
    own colour (a pattern or dash added past ten entities); the legend, beside the plot, names
    each with its type.

    Up to MAX_BAR_PERIODS periods: grouped bars, each spanning its day/week/month, so periods
    without a mention are simply empty. Beyond (a fine step over a long span): a marker per
    period with mentions and lines only between adjacent periods (long runs of zeros blank).

    `frame`: period, entity_id, name, n_mentions (from `queries.entity_timeline`, zero-filled);
    `labels` maps entity id → type.
    """
    unit = FREQ_NAMES[freq]
    title = title or f"Mentions per {unit} (by publication date)"
    if frame.empty:
        return empty_figure("No dated mention in the current view.", title=title)
    labels = labels or {}
    bars = frame["period"].nunique() <= MAX_BAR_PERIODS
    colours = entity_colours([str(e) for e in frame["entity_id"]])
    fig = go.Figure()
    for k, (eid, part) in enumerate(frame.groupby("entity_id", sort=False)):
        part = part.sort_values("period")
        label = labels.get(str(eid), "")
        name = escape.decode(part["name"].iloc[0])
        colour = colours[str(eid)]
        cycle = k // len(ENTITY_COLOURS)  # 0 for the first ten entities
        counts = [int(n) for n in part["n_mentions"]]
        legend = _short(name, LEGEND_LABEL) + (f" ({label})" if label else "")
        common: dict[str, Any] = {
            "x": part["period"].tolist(), "name": legend,
            "customdata": [str(eid)] * len(part),
            # the name rides in `meta`: a template never reads untrusted text as a template
            "meta": [escape.plotly(name)],
            "hovertemplate": f"<b>%{{meta[0]}}</b><br>{PERIOD_HOVER[freq]}: %{{y}} "
                             f"{counting}<extra></extra>",
        }
        if bars:
            fig.add_trace(go.Bar(
                **common, y=counts, **_period_trace(freq),
                marker={"color": colour, "line": {"width": 0.5, "color": "white"},
                        "pattern": {"shape": PATTERNS[cycle % len(PATTERNS)],
                                    "fgcolor": "white", "size": 6}},
            ))
        else:
            fig.add_trace(go.Scatter(
                **common, y=_quiet_zeros(counts), mode="lines+markers", connectgaps=False,
                line={"color": colour, "dash": DASHES[cycle % len(DASHES)], "width": 2},
                marker={"symbol": SYMBOLS[cycle % len(SYMBOLS)],
                        "size": [10 if n > 0 else 0 for n in counts]},
            ))
    xaxis = _period_xaxis(freq, frame["period"].nunique()) if bars else {}
    # The legend stands beside the plot, top-aligned with it: however many entities and
    # however long their names, it never reaches the title.
    fig.update_layout(xaxis={"title": f"publication {unit}", **xaxis},
                      yaxis={"title": counting, "rangemode": "tozero"},
                      legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1,
                              "yanchor": "top", "title": {"text": "entity (type)"}},
                      hovermode="closest", barmode="group", bargap=0.2, bargroupgap=0.05)
    return _layout(fig, title, height=330)


def sentiment_over_time(frame: pd.DataFrame, *, name: str = "", freq: Freq = "D",
                        title: str | None = None) -> go.Figure:
    """Mean sentiment per period of the sentences mentioning an entity; marker area = sentences.
    A line joins adjacent periods only: no trend is drawn across periods without a sentence.

    `frame`: period, sentiment, n_sentences (from `queries.entity_sentiment_timeline`).
    """
    unit = FREQ_NAMES[freq]
    who = f" mentioning {escape.one_line(name)}" if name else ""
    title = title or f"Mean sentiment of the sentences{who}, per {unit}"
    if frame.empty:
        return empty_figure("No dated, scored sentence in the current view.", title=title)
    frame = frame.sort_values("period")
    xs, ys = _with_gaps(frame["period"].tolist(), frame["sentiment"].round(3).tolist(), freq)
    _, ns = _with_gaps(frame["period"].tolist(), frame["n_sentences"].tolist(), freq)
    first, last = frame["period"].iloc[0], frame["period"].iloc[-1]
    n_periods = len(pd.date_range(first, last, freq={"D": "D", "W": "7D", "M": "MS"}[freq]))
    fig = go.Figure(go.Scatter(
        x=xs, y=ys, mode="lines+markers", connectgaps=False, **_period_trace(freq),
        marker={"size": [0 if n is None else 8 + 4 * math.sqrt(n) for n in ns],
                "color": [0 if y is None else y for y in ys], "cmin": -1, "cmax": 1,
                "colorscale": SENTIMENT_SCALE, "line": {"width": 1, "color": "#333"}},
        line={"color": "#7F8C8D"}, name="mean sentiment",
        hovertemplate=f"{PERIOD_HOVER[freq]}: %{{y:+.2f}} over %{{customdata}} sentence(s)"
                      "<extra></extra>",
        customdata=ns,
    ))
    fig.add_hline(y=0, line={"color": "#999", "width": 1, "dash": "dot"})
    fig.update_layout(yaxis={"title": "sentiment", "range": [-1.05, 1.05]},
                      xaxis={"title": f"publication {unit}", **_period_xaxis(freq, n_periods)})
    return _layout(fig, title, height=280)


def sentiment_by_article(frame: pd.DataFrame, *, name: str = "", title: str | None = None
                         ) -> go.Figure:
    """Bars of the mean sentiment per article (of the sentences mentioning `name`, if given).

    `frame`: article_id, article, sentiment, n_sentences; customdata = article ids.
    """
    who = f" mentioning {escape.one_line(name)}" if name else ""
    title = title or f"Mean sentiment of the sentences{who}, per article"
    scored = frame.dropna(subset=["sentiment"])
    if scored.empty:
        return empty_figure("No scored sentence in the current view.", title=title)
    colours = [sentiment_colour(s) for s in scored["sentiment"]]
    counts = scored["n_sentences"] if "n_sentences" in scored else pd.Series(1, index=scored.index)
    fig = go.Figure(go.Bar(
        x=scored["sentiment"].round(3).tolist(), y=scored["article_id"].tolist(), orientation="h",
        marker={"color": colours}, customdata=scored["article_id"].tolist(),
        hovertext=[f"{_wrap(a)}<br>{s:+.2f} over {n} sentence(s)"
                   for a, s, n in zip(scored["article"], scored["sentiment"], counts, strict=True)],
        hoverinfo="text", name="sentiment",
    ))
    fig.update_layout(
        xaxis={"title": "sentiment (negative ← 0 → positive)", "range": [-1.05, 1.05]},
        yaxis={"tickvals": scored["article_id"].tolist(), "autorange": "reversed",
               "ticktext": [_short(a, 60) for a in scored["article"]], "automargin": True})
    return _layout(fig, title, height=80 + 30 * len(scored))


def event_timeline(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Dated events on a time axis, one row per article (in publication order, top to
    bottom), with the article's publication date.

    `frame`: from `queries.events_with_entities`. Marker: filled = absolute date in the text,
    open = resolved relative to the publication date. Rows of articles whose publication date
    was inferred or is unknown say so; y values and customdata are article ids, the tick
    labels say date · title.
    """
    title = title or "Events dated in the text (one row per article)"
    if frame.empty:
        return empty_figure("No dated event in the current view.", title=title)
    suffix = {"inferred": " (date inferred)", "unknown": " (undated)"}
    rows = frame.drop_duplicates("article_id").assign(
        _title=lambda f: f["title"].fillna(f["article_id"]).astype("str"))
    rows = rows.sort_values(["published", "_title", "article_id"], na_position="last",
                            kind="stable")
    order = rows["article_id"].tolist()
    row_label = {
        aid: f"{_fmt_day(pub)} · {_short(t, 50)}{suffix.get(str(ds), '')}"
        for aid, t, pub, ds in zip(rows["article_id"], rows["_title"], rows["published"],
                                   rows["date_source"], strict=True)
    }
    fig = go.Figure()
    for how, symbol, name in (("absolute", "circle", "date written in full"),
                              ("relative", "circle-open", "date relative to publication")):
        part = frame[frame["how"] == how]
        if part.empty:
            continue
        hover = [
            f"<b>{escape.plotly(e)}</b> → {_fmt_day(d)} ({g})<br>{_wrap(s)}"
            f"<br><i>{_wrap(escape.one_line(ents) or 'no entity')}</i>"
            for e, d, g, s, ents in zip(part["expression"], part["date"], part["granularity"],
                                        part["sentence"].fillna(""), part["entities"],
                                        strict=True)
        ]
        fig.add_trace(go.Scatter(
            x=part["date"].tolist(), y=part["article_id"].tolist(),
            mode="markers", name=name, customdata=part["article_id"].tolist(),
            marker={"symbol": symbol, "size": 11, "color": "#1F4E79",
                    "line": {"width": 2, "color": "#1F4E79"}},
            hovertext=hover, hoverinfo="text",
        ))
    dated = rows.dropna(subset=["published"])
    if not dated.empty:
        fig.add_trace(go.Scatter(
            x=dated["published"].tolist(), y=dated["article_id"].tolist(),
            mode="markers", name="publication date",
            marker={"symbol": "line-ns-open", "size": 18, "color": "#C0392B",
                    "line": {"width": 3, "color": "#C0392B"}},
            customdata=dated["article_id"].tolist(),
            hovertext=[f"published {_fmt_day(p)} ({ds})"
                       for p, ds in zip(dated["published"], dated["date_source"], strict=True)],
            hoverinfo="text",
        ))
    # The slider draws the rows again, squeezed: a fixed y range with half a row of margin
    # above and below keeps its markers inside it.
    n = len(order)
    xaxis: dict = {"title": "date", "type": "date", "rangeslider": {
        "visible": True, "thickness": 0.15, "bgcolor": "#F4F6F8",
        "yaxis": {"rangemode": "fixed", "range": [n + 0.5, -1.5]}}}
    # dates far from their article's publication ("depuis 1979") stay on the chart but never
    # choose the window it opens on
    near = (frame["date"] - frame["published"]).abs() <= pd.Timedelta(days=NEAR_PUBLICATION_DAYS)
    window = busiest_window(frame.loc[near | frame["published"].isna(), "date"])
    if window is not None:
        xaxis["range"] = [window[0].strftime("%Y-%m-%d"), window[1].strftime("%Y-%m-%d")]
    fig.update_layout(
        xaxis=xaxis,
        yaxis={"title": "", "type": "category", "categoryorder": "array", "categoryarray": order,
               "tickmode": "array", "tickvals": order,
               "ticktext": [row_label[a] for a in order], "autorange": "reversed",
               "automargin": True},
        legend=_side_legend())
    return _layout(fig, title, height=190 + 40 * n)


NEAR_PUBLICATION_DAYS = 730  # events further from their publication date are history


def busiest_window(dates: pd.Series, *, days: int = 30, pad: int = 3
                   ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """Return the `days`-long span holding the most dates (padded), when the dates spread over
    more than that: the event chart opens on it, the range slider reaches the rest."""
    values = pd.to_datetime(dates.dropna()).sort_values().reset_index(drop=True)
    if values.empty or values.iloc[-1] - values.iloc[0] <= pd.Timedelta(days=days):
        return None
    ends = values.searchsorted(values + pd.Timedelta(days=days), side="right")
    best = int((ends - values.index.to_numpy()).argmax())
    first = values.iloc[best]
    last = values.iloc[int(ends[best]) - 1]
    return first - pd.Timedelta(days=pad), last + pd.Timedelta(days=pad)


# ---------------------------------------------------------------------------------------------
# Network


# The network is laid out in pixels of a typical drawing area (the dashboard's main column at
# 1400 px less margins), so marker radii and label sizes are known while placing them; the axes
# span exactly this box, and a wider screen only adds room.
NET_W, NET_H = 900.0, 540.0
NET_LABELS = 20  # nodes labelled permanently (most mentioned first); the others on hover
NET_LABEL_CHARS = 28  # a longer name is cut on the graph (the hover has it whole)
_LABEL_FONT = 12
_CHAR_W = 0.56 * _LABEL_FONT  # mean glyph width of a sans-serif font, in px
_LINE_H = _LABEL_FONT + 3
_STRIP_ROW = 80.0  # px per row of small components under the main one


def node_sizes(mentions: Sequence[float]) -> list[float]:
    """Return marker diameters (px) by mentions: area grows with the count, 10 to 34 px."""
    top = max([float(m) for m in mentions] or [1.0]) or 1.0
    return [10 + 24 * math.sqrt(max(float(m), 0.0) / top) for m in mentions]


def graph_layout(nodes: Sequence[str], edges: pd.DataFrame, *, seed: int = 7,
                 sizes: Mapping[str, float] | None = None, width: float = NET_W,
                 height: float = NET_H) -> dict[str, tuple[float, float]]:
    """Return node positions in px (x right, y up) inside a `width` × `height` box.

    The largest connected component gets a weight-aware spring layout (fixed seed: same data,
    same picture), stretched to the box, then its markers are pushed apart until none overlaps
    (`sizes`: diameters) with room left for a label; the other components (often isolated
    pairs) sit side by side in a strip at the bottom, apart from the main one.
    """
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    if not edges.empty:
        w = edges["weight"].astype("float64")
        span = float(w.max() - w.min()) or 1.0
        for a, b, x in zip(edges["a"], edges["b"], w, strict=True):
            graph.add_edge(a, b, weight=0.3 + math.sqrt((x - w.min()) / span))
    if graph.number_of_nodes() == 0:
        return {}
    sizes = sizes or {}
    components = sorted((sorted(c) for c in nx.connected_components(graph)),
                        key=lambda c: (-len(c), c[0]))
    main, rest = components[0], components[1:]
    per_row = max(1, int(width // 225))
    rows = math.ceil(len(rest) / per_row)
    strip = min(rows * _STRIP_ROW, height * 0.4) if len(main) > 2 else 0.0
    if strip == 0.0:  # nothing big enough to be the main picture: a grid of small components
        main, rest = [], components
        rows = math.ceil(len(rest) / per_row)
        strip = height
    pos: dict[str, tuple[float, float]] = {}
    if main:
        pad = 45.0
        box = (pad + 30, strip + pad, width - pad - 30, height - pad)
        local = _spring(graph.subgraph(main), seed)
        pos.update(_fit(local, box))
        pos.update(_spread(pos, sizes, box))
    row_h = strip / max(rows, 1)
    for i, members in enumerate(rest):
        row, col = divmod(i, per_row)
        cell_w = width / per_row
        x0, x1 = col * cell_w + 40, (col + 1) * cell_w - 40
        y1 = strip - row * row_h - 18
        y0 = y1 - row_h + 36
        if len(members) == 1:
            pos[members[0]] = ((x0 + x1) / 2, (y0 + y1) / 2)
            continue
        local = _spring(graph.subgraph(members), seed)
        pos.update(_fit(local, (x0, y0, x1, y1)))
    return pos


def _spring(graph: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    n = graph.number_of_nodes()
    if n == 1:
        return {next(iter(graph.nodes)): (0.0, 0.0)}
    if n == 2:
        a, b = sorted(graph.nodes)
        return {a: (-1.0, 0.0), b: (1.0, 0.0)}
    layout = nx.spring_layout(graph, seed=seed, weight="weight", k=3.0 / math.sqrt(n),
                              iterations=500)
    # A spring layout throws the leaves far out and packs the hub in the middle: a fisheye
    # (distance from the centre to the power 0.5) gives the hub room and pulls the leaves in.
    xy = np.array([layout[k] for k in graph.nodes], dtype="float64")
    xy -= np.median(xy, axis=0)
    dist = np.hypot(xy[:, 0], xy[:, 1])
    xy *= (np.power(dist, 0.5) / np.maximum(dist, 1e-9))[:, None]
    return {str(k): (float(x), float(y)) for k, (x, y) in zip(graph.nodes, xy, strict=True)}


def _fit(local: Mapping[str, tuple[float, float]], box: tuple[float, float, float, float]
         ) -> dict[str, tuple[float, float]]:
    """Scale positions to fill `box` (x0, y0, x1, y1), each axis on its own."""
    x0, y0, x1, y1 = box
    xs = [p[0] for p in local.values()]
    ys = [p[1] for p in local.values()]
    sx = (max(xs) - min(xs)) or 1.0
    sy = (max(ys) - min(ys)) or 1.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return {n: (cx + (x - (max(xs) + min(xs)) / 2) / sx * (x1 - x0) if len(set(xs)) > 1 else cx,
                cy + (y - (max(ys) + min(ys)) / 2) / sy * (y1 - y0) if len(set(ys)) > 1 else cy)
            for n, (x, y) in local.items()}


def _spread(pos: Mapping[str, tuple[float, float]], sizes: Mapping[str, float],
            box: tuple[float, float, float, float], *, gap: float = 16.0,
            rounds: int = 400) -> dict[str, tuple[float, float]]:
    """Push overlapping markers apart (keeping them in `box`) until each pair of centres is at
    least the sum of their radii plus `gap` apart: the hub of a graph stops being a blot."""
    ids = list(pos)
    if len(ids) < 2:
        return dict(pos)
    xy = np.array([pos[n] for n in ids], dtype="float64")
    radius = np.array([sizes.get(n, 12.0) / 2 for n in ids])
    need = radius[:, None] + radius[None, :] + gap
    np.fill_diagonal(need, 0.0)
    lo = np.array([box[0], box[1]])
    hi = np.array([box[2], box[3]])
    rng = np.random.default_rng(0)
    for _ in range(rounds):
        delta = xy[:, None, :] - xy[None, :, :]
        dist = np.hypot(delta[..., 0], delta[..., 1])
        short = np.clip(need - dist, 0.0, None)
        np.fill_diagonal(short, 0.0)
        if short.max() < 0.5:
            break
        same = dist < 1e-6
        if same.any():  # coincident points: nudge them apart at random (seeded)
            delta = np.where(same[..., None], rng.normal(size=delta.shape), delta)
            dist = np.hypot(delta[..., 0], delta[..., 1])
        unit = delta / np.maximum(dist, 1e-9)[..., None]
        xy += 0.5 * (unit * short[..., None]).sum(axis=1)
        xy = np.clip(xy, lo, hi)
    return {n: (float(x), float(y)) for n, (x, y) in zip(ids, xy, strict=True)}


# textposition → where the label's box centre sits, as (dx, dy) from the marker centre, for a
# marker of radius r and a box of half-width hw, half-height hh (y up).
_PLACES: dict[str, Any] = {
    "top center": lambda r, hw, hh: (0.0, r + 2 + hh),
    "bottom center": lambda r, hw, hh: (0.0, -(r + 2 + hh)),
    "middle right": lambda r, hw, hh: (r + 3 + hw, 0.0),
    "middle left": lambda r, hw, hh: (-(r + 3 + hw), 0.0),
    "top right": lambda r, hw, hh: (0.7 * r + hw, 0.7 * r + hh),
    "top left": lambda r, hw, hh: (-(0.7 * r + hw), 0.7 * r + hh),
    "bottom right": lambda r, hw, hh: (0.7 * r + hw, -(0.7 * r + hh)),
    "bottom left": lambda r, hw, hh: (-(0.7 * r + hw), -(0.7 * r + hh)),
}


def label_box(text: str, x: float, y: float, size: float, position: str
              ) -> tuple[float, float, float, float]:
    """Return the box (x0, y0, x1, y1) in px that a label takes at a `textposition`
    (an estimate from the font size: plotly does not say)."""
    hw, hh = len(text) * _CHAR_W / 2 + 2, _LINE_H / 2
    dx, dy = _PLACES[position](size / 2, hw, hh)
    return (x + dx - hw, y + dy - hh, x + dx + hw, y + dy + hh)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]
             ) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(pos: Mapping[str, tuple[float, float]], sizes: Mapping[str, float],
                 names: Mapping[str, str], order: Sequence[str], *, limit: int = NET_LABELS,
                 groups: Sequence[Sequence[str]] = (), width: float = NET_W,
                 height: float = NET_H) -> dict[str, str]:
    """Choose a `textposition` for the first `limit` nodes of `order` (most mentioned first):
    the free spot around the marker that points most away from the centre of its group (its
    connected component, from `groups`; the whole picture if not given), so the two ends of
    an isolated pair are named on their outer sides.

    A label may not cover another label or a marker, nor leave the box; a node whose label
    fits nowhere goes unlabelled (its name is on hover), except the five most mentioned, which
    take their least crowded spot. Returns entity id → textposition for the labelled nodes.
    """
    if not pos:
        return {}
    centre: dict[str, tuple[float, float]] = {}
    for group in [*groups, list(pos)]:
        inside = [pos[n] for n in group if n in pos]
        if inside:
            middle = (sum(p[0] for p in inside) / len(inside),
                      sum(p[1] for p in inside) / len(inside))
            for n in group:
                centre.setdefault(n, middle)
    discs = [(x - sizes.get(n, 12) / 2, y - sizes.get(n, 12) / 2, x + sizes.get(n, 12) / 2,
              y + sizes.get(n, 12) / 2) for n, (x, y) in pos.items()]
    taken: list[tuple[float, float, float, float]] = []
    out: dict[str, str] = {}
    for rank, node in enumerate(n for n in order if n in pos):
        if len(out) >= limit:
            break
        x, y = pos[node]
        cx, cy = centre[node]
        text = names.get(node, node)
        away = math.atan2(y - cy, x - cx) if math.hypot(x - cx, y - cy) > 1 else math.pi / 2
        best: tuple[float, str] | None = None
        for place in _PLACES:
            box = label_box(text, x, y, sizes.get(node, 12), place)
            clash = sum(_overlap(box, o) for o in taken) + sum(
                _overlap(box, d) for d in discs)
            outside = (max(0.0, -box[0]) + max(0.0, box[2] - width) + max(0.0, -box[1])
                       + max(0.0, box[3] - height)) * _LINE_H
            bx, by = (box[0] + box[2]) / 2 - x, (box[1] + box[3]) / 2 - y
            turn = abs((math.atan2(by, bx) - away + math.pi) % (2 * math.pi) - math.pi)
            cost = 1000 * (clash + outside) + turn
            if best is None or cost < best[0]:
                best = (cost, place)
        assert best is not None
        if best[0] >= 1000 and rank >= 5:
            continue  # would cover something: leave it to the hover
        out[node] = best[1]
        taken.append(label_box(text, x, y, sizes.get(node, 12), best[1]))
    return out


def network_graph(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    weight_name: str = "count",
    colour_by: Literal["type", "sentiment"] = "type",
    seed: int = 7,
    labels: int = NET_LABELS,
    title: str | None = None,
) -> go.Figure:
    """Co-occurrence graph: node size = mentions, colour = type (or mean sentiment), edge width
    = weight. The `labels` most mentioned nodes are named where their label covers nothing; all
    are named on hover. Node traces carry entity ids in customdata; a marker at each edge's
    midpoint carries "a|b" so clicking it opens the pair's sentences.

    `nodes`: entity_id, name, label, n_mentions, sentiment. `edges`: a, b, n, weight.
    """
    title = title or f"Who is mentioned with whom (edge width = {weight_name})"
    if nodes.empty:
        return empty_figure("No entity to draw: relax the filters.", title=title)
    nodes = nodes.sort_values("n_mentions", ascending=False, kind="stable")
    ids = nodes["entity_id"].tolist()
    size_of = dict(zip(ids, node_sizes(nodes["n_mentions"].tolist()), strict=True))
    pos = graph_layout(ids, edges, seed=seed, sizes=size_of)
    names = {e: escape.decode(n) for e, n in zip(nodes["entity_id"], nodes["name"], strict=True)}
    short = {e: escape.shorten(n, NET_LABEL_CHARS) for e, n in names.items()}
    graph = nx.Graph()
    graph.add_nodes_from(ids)
    graph.add_edges_from(zip(edges["a"], edges["b"], strict=True) if not edges.empty else [])
    placed = place_labels(pos, size_of, short, ids, limit=labels,
                          groups=[sorted(c) for c in nx.connected_components(graph)])
    fig = go.Figure()
    if not edges.empty:
        w = edges["weight"].astype("float64")
        lo, hi = float(w.min()), float(w.max())
        # One trace per width class (widths rounded to 0.5 px), not one per edge: a few
        # traces draw thousands of edges quickly.
        buckets: dict[float, tuple[list, list]] = {}
        for a, b, x in zip(edges["a"], edges["b"], w, strict=True):
            width = round(2 * (1 + 7 * ((x - lo) / (hi - lo) if hi > lo else 0.5))) / 2
            xs, ys = buckets.setdefault(width, ([], []))
            (x0, y0), (x1, y1) = pos[a], pos[b]
            xs.extend([x0, x1, None])
            ys.extend([y0, y1, None])
        for width in sorted(buckets):
            xs, ys = buckets[width]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", hoverinfo="skip",
                                     line={"width": width, "color": "#B4BDC7"},
                                     opacity=0.6, showlegend=False, name="edges"))
        fig.add_trace(go.Scatter(
            x=[(pos[a][0] + pos[b][0]) / 2 for a, b in zip(edges["a"], edges["b"], strict=True)],
            y=[(pos[a][1] + pos[b][1]) / 2 for a, b in zip(edges["a"], edges["b"], strict=True)],
            mode="markers", name="pairs (click for sentences)",
            marker={"size": 7, "color": "#9AA5B1", "symbol": "diamond", "opacity": 0.55},
            customdata=[f"{a}|{b}" for a, b in zip(edges["a"], edges["b"], strict=True)],
            hovertext=[f"{escape.plotly(names.get(a, a))} — {escape.plotly(names.get(b, b))}<br>"
                       f"together {n}×, {weight_name} = {x:.3g}"
                       for a, b, n, x in zip(edges["a"], edges["b"], edges["n"], w, strict=True)],
            hoverinfo="text", showlegend=False,
        ))

    def node_trace(part: pd.DataFrame, name: str, marker: dict) -> go.Scatter:
        part_ids = part["entity_id"].tolist()
        return go.Scatter(
            x=[pos[e][0] for e in part_ids], y=[pos[e][1] for e in part_ids],
            mode="markers+text", name=name,
            text=[_short(names[e], NET_LABEL_CHARS) if e in placed else "" for e in part_ids],
            textposition=[placed.get(e, "top center") for e in part_ids],
            textfont={"size": _LABEL_FONT, "color": "#1B2631",
                      "shadow": "0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff"},
            customdata=part_ids,
            marker={"size": [round(size_of[e], 1) for e in part_ids],
                    "line": {"width": 1, "color": "white"}, **marker},
            hovertext=[
                f"<b>{escape.plotly(n)}</b> ({lab})<br>{m} mentions"
                + ("" if pd.isna(s) else f"<br>mean sentiment {s:+.2f}")
                for n, lab, m, s in zip(part["name"], part["label"], part["n_mentions"],
                                        part["sentiment"], strict=True)
            ],
            hoverinfo="text",
        )

    if colour_by == "type":
        for label in [lab for lab in LABELS if lab in set(nodes["label"])]:
            part = nodes[nodes["label"] == label]
            fig.add_trace(node_trace(part, TYPE_NAMES[label],
                                     {"color": TYPE_COLOURS[label]}))
    else:
        fig.add_trace(node_trace(nodes, "entities", {
            "color": nodes["sentiment"].fillna(0).round(3).tolist(), "cmin": -1, "cmax": 1,
            "colorscale": SENTIMENT_SCALE, "showscale": True,
            "colorbar": {"title": {"text": "sentiment"}}}))
    fig.update_layout(
        xaxis={"visible": False, "range": [0, NET_W], "fixedrange": False},
        yaxis={"visible": False, "range": [0, NET_H]},
        legend=_side_legend(), hovermode="closest", clickmode="event+select")
    fig = _layout(fig, title, height=int(NET_H) + 10)
    return fig


# Sequential scale for counts and Jaccard: the lowest non-zero value is a clearly visible blue
# (never-together cells stay blank), the highest a dark navy.
HEAT_SCALE = [[0.0, "#BFD8EE"], [0.35, "#6BAED6"], [0.7, "#2171B5"], [1.0, "#08306B"]]
# Diverging scale for PMI/NPMI: below chance red, above chance blue, independence a grey that
# still reads as a cell (blank = never together).
HEAT_DIVERGING = [[0.0, "#B2182B"], [0.25, "#EF8A62"], [0.5, "#D9D9D9"], [0.75, "#67A9CF"],
                  [1.0, "#2166AC"]]


def heatmap_order(nodes: pd.DataFrame, edges: pd.DataFrame, weight_name: str = "count"
                  ) -> list[str]:
    """Return the entity ids ordered by their total weight over the drawn pairs (heaviest
    first; by the total count for PMI/NPMI, whose weights can be negative), then mentions."""
    ids = nodes["entity_id"].tolist()
    value = edges["n"] if weight_name in ("pmi", "npmi") else edges["weight"]
    total: dict[str, float] = dict.fromkeys(ids, 0.0)
    for a, b, v in zip(edges["a"], edges["b"], value.astype("float64"), strict=True):
        if a in total and b in total:
            total[a] += v
            total[b] += v
    mentions = dict(zip(nodes["entity_id"], nodes["n_mentions"], strict=True)) \
        if "n_mentions" in nodes else {}
    return sorted(ids, key=lambda e: (-total[e], -mentions.get(e, 0), e))


def cooccurrence_heatmap(
    nodes: pd.DataFrame, edges: pd.DataFrame, *, weight_name: str = "count",
    title: str | None = None,
) -> go.Figure:
    """Matrix of pair weights among the drawn entities (blank = never together), rows and
    columns ordered by total weight so the strongest ties gather in the top-left corner.

    Same edges as the graph; customdata holds "a|b" per cell.
    """
    title = title or f"Co-occurrence matrix ({weight_name})"
    if nodes.empty or edges.empty:
        return empty_figure("No pair of entities seen together in the current view.",
                            title=title)
    ids = heatmap_order(nodes, edges, weight_name)
    names_of = dict(zip(nodes["entity_id"], nodes["name"], strict=True))
    index = {e: i for i, e in enumerate(ids)}
    size = len(ids)
    z: list[list[float | None]] = [[None] * size for _ in range(size)]
    counts: list[list[int]] = [[0] * size for _ in range(size)]
    for a, b, n, w in zip(edges["a"], edges["b"], edges["n"], edges["weight"], strict=True):
        if a in index and b in index:
            i, j = index[a], index[b]
            z[i][j] = z[j][i] = round(float(w), 4)
            counts[i][j] = counts[j][i] = int(n)
    names = [_short(names_of[e], 28) for e in ids]
    values = [v for row in z for v in row if v is not None]
    diverging = weight_name in ("pmi", "npmi")
    if diverging:
        reach = max((abs(v) for v in values), default=1.0) or 1.0
        scale: dict[str, Any] = {"colorscale": HEAT_DIVERGING, "zmin": -reach, "zmax": reach}
    else:
        low, high = min(values, default=0.0), max(values, default=1.0)
        scale = {"colorscale": HEAT_SCALE, "zmin": low, "zmax": high if high > low else low + 1}
    full = [escape.plotly(names_of[e]) for e in ids]
    hover = [[f"{full[i]} — {full[j]}<br>together {counts[i][j]}×<br>{weight_name} = "
              f"{z[i][j]:.3g}" if z[i][j] is not None else "" for j in range(size)]
             for i in range(size)]
    # Ids on the axes (two entities may share a name), names as tick labels.
    fig = go.Figure(go.Heatmap(
        z=z, x=ids, y=ids, customdata=[[f"{min(a, b)}|{max(a, b)}" for b in ids] for a in ids],
        hovertext=hover, hoverinfo="text", **scale, xgap=1, ygap=1,
        colorbar={"title": {"text": weight_name}, "thickness": 14}, hoverongaps=False,
    ))
    ticks = {"tickmode": "array", "tickvals": ids, "ticktext": names, "automargin": True,
             "showgrid": False, "type": "category"}
    fig.update_layout(xaxis={**ticks, "tickangle": -45, "side": "top"},
                      yaxis={**ticks, "autorange": "reversed"}, plot_bgcolor="#FAFAFA")
    height = max(380, 190 + 22 * size)
    # Names along the top, under the title (automargin makes room for them).
    return _layout(fig, title, height=height - TITLE_PX)


def figure_ids(fig_dict: Mapping[str, Any]) -> list[str]:
    """Return every customdata id in a figure dict (what a click can hand back)."""
    out: list[str] = []
    for trace in fig_dict.get("data", []):
        data = trace.get("customdata") if isinstance(trace, dict) else None
        if isinstance(data, list):
            out.extend(str(x) for row in data for x in (row if isinstance(row, list) else [row]))
    return out
