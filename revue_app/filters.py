"""Filters: the shared sidebar, and the URL as the single place where the view state lives.

Sidebar widgets are bound to the query string with `bind="query-params"` (Streamlit 1.67): the
URL fills the widget on load and follows it afterwards, so a copied link reopens the same view.
Keys are short because they are the URL: `from`, `to`, `types`, `sources`, `min`, `q`, `img`.

Choices whose values are ids but whose labels are titles or names (`articles`, `entity`,
`article`, `who`) cannot use `bind`: a bound select writes its *displayed* label to the URL.
`url_selectbox`/`url_multiselect` keep the id in the URL and show the label, syncing by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import streamlit as st

from revue_app.queries import LABELS, Filters

# Query parameters that belong to the whole app (kept across pages), bound or synced by hand.
BOUND_KEYS = ("from", "to", "types", "sources", "min", "q", "img")
SYNCED_GLOBAL_KEYS = ("articles", "dataset")
_SEEN = "_revue_url_seen"
TYPE_OPTIONS = LABELS  # MISC included: the French model labels OpenAI as MISC


def _seen() -> dict[str, list[str]]:
    return st.session_state.setdefault(_SEEN, {})


def _sync_in(key: str, options: Sequence[str], *, multi: bool) -> None:
    """Let the URL win when it changed outside the widget (a link, a click that switched page)."""
    valid = set(options)
    url = [v for v in st.query_params.get_all(key) if v in valid]
    seen = _seen().get(key)
    # The URL wins when the widget is not on screen yet (arriving from a link or another page)
    # or when the URL changed since we last wrote it; otherwise the widget's own state rules.
    if url and (url != seen or key not in st.session_state):
        st.session_state[key] = url if multi else url[-1]
    elif key in st.session_state:  # drop values the current options no longer hold
        current = st.session_state[key]
        if multi and any(v not in valid for v in current or []):
            st.session_state[key] = [v for v in current if v in valid]
        elif not multi and current is not None and current not in valid:
            del st.session_state[key]


def _sync_out(key: str, values: list[str]) -> None:
    """Write the widget's value to the URL (only when it differs, to avoid needless messages)."""
    if st.query_params.get_all(key) != values:
        if values:
            st.query_params[key] = values if len(values) > 1 else values[0]
        elif key in st.query_params:
            del st.query_params[key]
    _seen()[key] = values


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
    _sync_in(key, options, multi=False)
    if key not in st.session_state and options:
        st.session_state[key] = options[0]
    fmt = labels if callable(labels) else (lambda v: (labels or {}).get(v, v))
    value = container.selectbox(label, options, key=key, format_func=fmt, **kwargs)
    _sync_out(key, [value] if value is not None else [])
    return value


def url_multiselect(
    label: str,
    options: Sequence[str],
    *,
    key: str,
    labels: Mapping[str, str] | Callable[[str], str] | None = None,
    container: Any = st,
    **kwargs: Any,
) -> list[str]:
    """A multiselect whose values (ids) live in the URL as repeated `key=<id>`."""
    options = list(options)
    _sync_in(key, options, multi=True)
    fmt = labels if callable(labels) else (lambda v: (labels or {}).get(v, v))
    values = container.multiselect(label, options, key=key, format_func=fmt, **kwargs)
    _sync_out(key, list(values))
    return list(values)


def global_params(**updates: str | list[str]) -> dict[str, str | list[str]]:
    """Return the app-wide hand-synced params (bound ones survive page switches by themselves),
    plus `updates`: the query string to pass to `st.switch_page`."""
    out: dict[str, str | list[str]] = {}
    for key in SYNCED_GLOBAL_KEYS:
        values = st.query_params.get_all(key)
        if values:
            out[key] = values if len(values) > 1 else values[0]
    out.update(updates)
    return out


def url_choice(key: str, options: Sequence[str], *, default: str | None = None,
               multi: bool = False) -> dict[str, Any]:
    """Prepare a choice widget bound to the URL, whose option labels are its values.

    `bind="query-params"` puts the *displayed* label in the URL and accepts back only a value
    spelled exactly like one: `?img=SVG` or `?types=per`, as people type them, would be
    dropped silently. On the widget's first run, a URL value that matches an option but for
    letter case is put in session state instead, so the link opens what it says. Returns the
    kwargs to pass on: `default`, unless the value came from the URL (both would trip
    Streamlit's "default value and Session State" warning).
    """
    asked = st.query_params.get_all(key)
    if key not in st.session_state and asked and any(a not in options for a in asked):
        by_fold = {str(o).casefold(): o for o in options}
        matched = [by_fold[a.casefold()] for a in asked if a.casefold() in by_fold]
        if matched:
            st.session_state[key] = list(dict.fromkeys(matched)) if multi else matched[-1]
            return {}
    return {} if default is None else {"default": default}


def _bounded(key: str, default: Any) -> dict[str, Any]:
    """Pass a default only on the widget's first run: afterwards its state (or the URL) rules,
    and passing both would trip Streamlit's "default value and Session State" warning."""
    return {} if key in st.session_state else {"value": default}


def _reset(defaults: Mapping[str, Any]) -> None:
    for key, value in defaults.items():
        st.session_state[key] = value


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
        start = side.date_input("From", min_value=first, max_value=last, key="from",
                                bind="query-params", format="YYYY-MM-DD",
                                **_bounded("from", first))
        end = side.date_input("To", min_value=first, max_value=last, key="to",
                               bind="query-params", format="YYYY-MM-DD",
                               **_bounded("to", last))
        date_from = start if isinstance(start, date) and start > first else None
        date_to = end if isinstance(end, date) and end < last else None
        if date_from and date_to and date_from > date_to:
            side.warning("“From” is after “To”: no article can match.")
        undated = int(facts["undated"])
        if undated and (date_from or date_to):
            side.caption(f"{undated} undated article(s) are hidden while a date range is set.")
    else:
        side.caption("No article has a publication date: the date filter is off.")

    types = side.multiselect("Entity types", TYPE_OPTIONS, key="types", bind="query-params",
                             placeholder="All types",
                             **url_choice("types", TYPE_OPTIONS, multi=True),
                             help="PER people, ORG organisations, LOC places, MISC other names "
                                  "(the French model files OpenAI under MISC).")
    sources = list(facts["sources"])
    chosen_sources = side.multiselect("Sources", sources, key="sources", bind="query-params",
                                      placeholder="All sources",
                                      **url_choice("sources", sources, multi=True))
    labels = dict(facts["articles"])
    asked = [a for a in st.query_params.get_all("articles") if a not in labels]
    if asked and more_labels is not None:
        labels.update(more_labels(asked))
    chosen_articles = url_multiselect("Articles", list(labels), key="articles", labels=labels,
                                      container=side, placeholder="All articles")
    minimum = side.number_input("Minimum mentions per entity", min_value=1, step=1, key="min",
                                bind="query-params", **_bounded("min", 1),
                                help="Hide entities mentioned fewer times in the current view.")
    search = side.text_input("Search sentences", key="q", bind="query-params",
                             placeholder="e.g. démission",
                             help="Keep only sentences containing this text "
                                  "(case and accents ignored).")
    defaults: dict[str, Any] = {"from": first, "to": last, "types": [], "sources": [],
                                "articles": [], "min": 1, "q": ""}
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
    )


IMAGE_FORMATS = ("png", "svg")


def image_format_ui() -> str:
    """Let the user choose what the chart toolbar's camera button downloads (PNG or SVG).

    The options are shown as they go in the URL (`img=svg`): a bound widget writes its label
    there, so a label differing from the value would make links nobody types by hand.
    """
    url_choice("img", IMAGE_FORMATS)
    return st.sidebar.radio(
        "Chart image format", IMAGE_FORMATS, key="img", bind="query-params", horizontal=True,
        help="What the camera button in each chart's toolbar saves: png for slides, svg for "
             "print and further editing. Each chart's HTML download offers both.",
    ) or "png"
