"""The dashboard's shared vocabulary: entity types and their names and colours, the sentiment
words and band, date formatting, export captions and the evidence card.

Defined once here so the charts, the queries and the pages say the same thing in the same
colour (before, the neutral band was written four times, two of them with a different edge).
A leaf module: it imports only `revue_app.escape` (itself a leaf), so anything may import it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Literal

import pandas as pd

from revue_app import escape

LABELS = ("PER", "ORG", "LOC", "MISC")
Freq = Literal["D", "W", "M"]  # a time step: day, week (from Monday), month
FREQ_NAMES: dict[str, str] = {"D": "day", "W": "week", "M": "month"}

# One colour per entity type everywhere (Okabe-Ito: readable by colour-blind readers).
TYPE_COLOURS: dict[str, str] = {
    "PER": "#0072B2",  # blue
    "ORG": "#E69F00",  # orange
    "LOC": "#009E73",  # green
    "MISC": "#CC79A7",  # pink
}
TYPE_NAMES: dict[str, str] = {
    "PER": "People (PER)",
    "ORG": "Organisations (ORG)",
    "LOC": "Places (LOC)",
    "MISC": "Other names (MISC)",
}

# Where entities are compared with each other (a timeline of six people), each gets its own
# colour: Okabe-Ito then Paul Tol's "muted", dark enough on white, told apart in colour-blind
# simulations for the first eight. Beyond ten, the charts add a pattern or dash.
ENTITY_COLOURS: tuple[str, ...] = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#332288", "#882255",
    "#117733", "#999933",
)

# Sentiment: a score whose magnitude is below NEUTRAL_BAND is "neutral" (VADER's convention,
# also the evaluation's in pipeline/evaluate_enrich.py); ±0.05 itself is not neutral.
NEUTRAL_BAND = 0.05
SENTIMENT_COLOURS = {"negative": "#C0392B", "neutral": "#95A5A6", "positive": "#1E8449"}
UNSCORED_COLOUR = "#999999"
SENTIMENT_SCALE = [[0.0, "#C0392B"], [0.5, "#ECF0F1"], [1.0, "#1E8449"]]


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def sentiment_word(score: float | None) -> str:
    """Return "negative", "neutral" or "positive" for a score ("not scored" when missing)."""
    if _missing(score) or (isinstance(score, float) and math.isnan(score)):
        return "not scored"
    assert score is not None
    if score <= -NEUTRAL_BAND:
        return "negative"
    if score >= NEUTRAL_BAND:
        return "positive"
    return "neutral"


def sentiment_colour(score: float | None) -> str:
    """Return the colour of a score's sentiment word (grey when not scored)."""
    return SENTIMENT_COLOURS.get(sentiment_word(score), UNSCORED_COLOUR)


def report_entries(count: int) -> str:
    """Say how many rows the build report holds: a row is an input skipped *or* a value read
    with a warning (an unknown sidecar column, an unusable date), so "skipped" alone overstates."""
    noun = "entry" if count == 1 else "entries"
    return f"{count} build-report {noun} (inputs skipped, or read with a warning)"


def fmt_day(value: object) -> str:
    """Return a day as YYYY-MM-DD ("undated" when missing)."""
    return "undated" if _missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def fmt_span(first: object, last: object) -> str:
    """Return "first → last" for a date range ("no dated article" when both are missing)."""
    if _missing(first) and _missing(last):
        return "no dated article"
    return f"{fmt_day(first)} → {fmt_day(last)}"


# ---------------------------------------------------------------------------------------------
# What an export was drawn from


_FILTER_WORDS = {"labels": "types", "sources": "sources", "articles": "articles",
                 "min_mentions": "min. mentions", "search": "search",
                 "duplicates": "near-duplicates"}


def describe_filters(filters: object) -> list[str]:
    """Return one phrase per filter that restricts the view, e.g. `types PER, ORG`.

    `filters` is the app's Filters dataclass (any dataclass: each field that differs from its
    default is described, so a new filter shows up without a change here), or a mapping.
    """
    if dataclasses.is_dataclass(filters) and not isinstance(filters, type):
        values = {f.name: getattr(filters, f.name) for f in dataclasses.fields(filters)}
        defaults = {f.name: f.default for f in dataclasses.fields(filters)}
    elif isinstance(filters, Mapping):
        values, defaults = dict(filters), {}
    else:
        return []
    out: list[str] = []
    start, end = values.pop("date_from", None), values.pop("date_to", None)
    if start or end:
        out.append(f"dates {fmt_day(start) if start else '…'} → {fmt_day(end) if end else '…'}")
    for key, value in values.items():
        if key in defaults and value == defaults[key]:
            continue
        if value in (None, "", (), []):
            continue
        word = _FILTER_WORDS.get(key, key.replace("_", " "))
        if isinstance(value, bool):
            out.append(f"{word} {'included' if value else 'excluded'}")
        elif isinstance(value, str):
            out.append(f'{word} "{escape.one_line(value)}"')
        elif isinstance(value, Iterable):
            items = [escape.one_line(v) for v in value]
            shown = ", ".join(items[:4]) + (f" (+{len(items) - 4})" if len(items) > 4 else "")
            out.append(f"{word} {shown}")
        else:
            out.append(f"{word} {value}")
    return out


def export_caption(dataset: str, filters: object = None, *, when: datetime | None = None,
                   extra: Iterable[str] = ()) -> str:
    """Return the one line every export carries: dataset, filters (or "all articles"), any
    page parameter in `extra`, and when it was drawn — plain text, escape it for its output.

    >>> export_caption("seeds", {"labels": ("PER",)}, when=datetime(2024, 1, 2, 3, 4))
    'Revue · dataset seeds · types PER · drawn 2024-01-02 03:04 UTC'
    """
    moment = (when or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    parts = describe_filters(filters) or ["all articles"]
    return " · ".join(["Revue", f"dataset {escape.one_line(dataset)}", *parts,
                       *(escape.one_line(e) for e in extra if e), f"drawn {moment}"])


def export_stem(dataset: str, name: str, when: date | None = None) -> str:
    """Return a download's file name stem: dataset, chart name and day, e.g.
    `seeds-top-entities-2024-01-02` (the caption inside the file says the rest)."""
    day = (when or datetime.now(UTC).date()).isoformat()
    return "-".join(p for p in (dataset, name, day) if p)


# ---------------------------------------------------------------------------------------------
# The evidence card: one sentence with where it comes from (Entity and Network pages)


def evidence_card(*, body_html: str, day: object, title: object, href: str | None = None,
                  source: object = None, score: float | None = None,
                  terms: object = None, show_score: bool = True) -> str:
    """Return the HTML of one evidence sentence: a bar in its sentiment colour, then
    "day · title (linked) · source · score — terms", then the sentence.

    `body_html` is already safe HTML (`queries.highlight_html`); every other argument is
    untrusted text and escaped here.
    """
    colour = sentiment_colour(score) if show_score else "#9AA5B1"
    head = [escape.html_text(fmt_day(day))]
    name = escape.html_text(title)
    head.append(f'<a href="{escape.html_text(href)}" target="_self">{name}</a>' if href
                else name)
    if not _missing(source):
        head.append(escape.html_text(source))
    if show_score:
        word = sentiment_word(score)
        text = word if _missing(score) else f"{score:+.2f} {word}"
        scored = f'<span style="color:{colour};font-weight:600">{text}</span>'
        if not _missing(terms) and escape.one_line(terms):
            scored += f" — {escape.html_text(terms)}"
        head.append(scored)
    return (f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:8px 0">'
            f'<div style="font-size:0.85em;color:#555">{" · ".join(head)}</div>'
            f"<div>{body_html}</div></div>")


def legend_html(colours: Mapping[str, str] | None = None,
                names: Mapping[str, str] | None = None) -> str:
    """Return the entity-type legend as HTML marks, in the highlight's colours."""
    colours = colours or TYPE_COLOURS
    names = names or TYPE_NAMES
    return " ".join(
        f'<mark style="background-color:{colour}33;border-bottom:2px solid {colour};'
        f'padding:0 4px">{escape.html_text(names.get(label, label))}</mark>'
        for label, colour in colours.items())

