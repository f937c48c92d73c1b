"""Filters: the shared sidebar, and the choice widgets whose values live in the URL.

The values themselves are owned by `revue_app.state` (URL ↔ session, defaults, clamping,
dataset switches); this module only draws the widgets. Keys are short because they are the URL:
`from`, `to`, `types`, `sources`, `articles`, `min`, `q`, `dup`, `img`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import streamlit as st

from revue_app import state
from revue_app.queries import LABELS, Filters
from revue_app.state import GLOBAL_KEYS, global_params

__all__ = ["BOUND_KEYS", "SYNCED_GLOBAL_KEYS", "global_params", "image_format_ui", "sidebar_ui",
           "url_choice", "url_multiselect", "url_selectbox"]

BOUND_KEYS: tuple[str, ...] = ()  # no widget is bound by Streamlit: see revue_app.state
SYNCED_GLOBAL_KEYS = GLOBAL_KEYS
TYPE_OPTIONS = LABELS  # MISC included: the French model labels OpenAI as MISC


def _formatter(labels: Mapping[str, str] | Callable[[str], str] | None) -> Callable[[str], str]:
    if callable(labels):
        return labels
    return lambda v: (labels or {}).get(v, v)


def url_selectbox(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    labels: Mapping[str, str] | Callable[[str], str] | None = None,
    container: Any = st,
    **kwargs: Any,
) -> str | None:
    """A selectbox whose value (an id) lives in the URL as `key=<id>`, showing `labels`."""
    options = list(options)
    state.choice(key, options, always=True)
    if not options:
        return None
    return container.selectbox(label, options, key=key, format_func=_formatter(labels),
                               **kwargs)


def url_multiselect(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    labels: Mapping[str, str] | Callable[[str], str] | None = None,
    container: Any = st,
    default: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[str]:
    """A multiselect whose values (ids) live in the URL as repeated `key=<id>`."""
    state.choice(key, options, default=list(default) if default else None, multi=True)
    values = container.multiselect(label, list(options), key=key,
                                   format_func=_formatter(labels), **kwargs)
    return list(values)


def url_choice(key: str, options: Sequence[str], *, default: str | None = None,
               multi: bool = False) -> dict[str, Any]:
    """Declare a choice widget whose option labels are its values (see `state.choice`);
    returns the keyword arguments to pass on to the widget (none: the session holds the value)."""
    state.choice(key, options, default=default, multi=multi)
    return {}


def _reset(defaults: Mapping[str, Any]) -> None:
    state.request(**{k: v for k, v in defaults.items()})


def sidebar_ui(facts: Mapping[str, Any],
               more_labels: Callable[[list[str]], Mapping[str, str]] | None = None) -> Filters:
    """Draw the shared sidebar of filters and return the user's choices.

    `facts` (`queries.sidebar_facts`): date bounds, undated count, sources, the articles to
    offer (the most recent ones of a large corpus); `more_labels` labels the articles a link
    asks for that are not among them, so the link still works.
    """
    side = st.sidebar
    side.subheader("Filters")

    first: date | None = facts["first"]
    last: date | None = facts["last"]
    date_from: date | None = None
    date_to: date | None = None
    if first and last:
        state.day("from", lo=first, hi=last, default=first)
        state.day("to", lo=first, hi=last, default=last)
        start = side.date_input("From", min_value=first, max_value=last, key="from",
                                format="YYYY-MM-DD")
        end = side.date_input("To", min_value=first, max_value=last, key="to",
                              format="YYYY-MM-DD")
        date_from = start if isinstance(start, date) and start > first else None
        date_to = end if isinstance(end, date) and end < last else None
        if date_from and date_to and date_from > date_to:
            side.warning("“From” is after “To”: no article can match.")
        undated = int(facts["undated"])
        if undated and (date_from or date_to):
            side.caption(f"{undated} undated article(s) are hidden while a date range is set.")
    else:
        side.caption("No article has a publication date: the date filter is off.")

    state.choice("types", TYPE_OPTIONS, multi=True)
    types = side.multiselect("Entity types", TYPE_OPTIONS, key="types", placeholder="All types",
                             help="PER people, ORG organisations, LOC places, MISC other names "
                                  "(the French model files OpenAI under MISC).")
    sources = list(facts["sources"])
    state.choice("sources", sources, multi=True)
    chosen_sources = side.multiselect("Sources", sources, key="sources",
                                      placeholder="All sources")
    labels = dict(facts["articles"])
    asked = [a for a in state.asked("articles") if a not in labels]
    if asked and more_labels is not None:
        labels.update(more_labels(asked))
    chosen_articles = url_multiselect("Articles", list(labels), key="articles", labels=labels,
                                      container=side, placeholder="All articles")
    state.integer("min", default=1, lo=1)
    minimum = side.number_input("Minimum mentions per entity", min_value=1, step=1, key="min",
                                help="Hide entities mentioned fewer times in the current view.")
    state.text("q")
    search = side.text_input("Search", key="q", placeholder='e.g. manif* OR "gilets jaunes"',
                             help='Words (case and accents ignored), "a phrase", OR between '
                                  "alternatives, and a * at the end of a word for any ending. "
                                  "Keeps only the sentences that match, on every page.")
    state.flag("dup")
    duplicates = side.toggle(
        "Show near-duplicate copies", key="dup",
        help="Near-duplicate copies of another article (the same wire story in several "
             "outlets) are counted once by default; on: every copy counts.")
    defaults: dict[str, Any] = {"from": first, "to": last, "types": [], "sources": [],
                                "articles": [], "min": 1, "q": "", "dup": False}
    if first is None:
        defaults = {k: v for k, v in defaults.items() if k not in ("from", "to")}
    side.button("Reset filters", on_click=_reset, args=(defaults,), key="reset_filters",
                icon=":material/restart_alt:")
    return Filters(
        date_from=date_from,
        date_to=date_to,
        labels=tuple(t for t in TYPE_OPTIONS if t in types) if types else (),
        sources=tuple(chosen_sources),
        articles=tuple(chosen_articles),
        min_mentions=int(minimum or 1),
        search=(search or "").strip(),
        duplicates=bool(duplicates),
    )


IMAGE_FORMATS = ("png", "svg")


def image_format_ui() -> str:
    """Let the user choose what the chart toolbar's camera button downloads (PNG or SVG)."""
    state.choice("img", IMAGE_FORMATS, default="png")
    return st.sidebar.radio(
        "Chart image format", IMAGE_FORMATS, key="img", horizontal=True,
        help="What the camera button in each chart's toolbar saves: png for slides, svg for "
             "print and further editing. Each chart's HTML download offers both.",
    ) or "png"
