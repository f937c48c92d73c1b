"""View state: the one owner of what the user is looking at, kept in the URL and the session.

Every control whose value is part of the view (the sidebar filters, the dataset, each page's
choices) is declared here, once per run, just before its widget is drawn: `choice`, `day`,
`integer`, `text` or `flag` make sure `st.session_state[key]` holds a valid value (from the
URL, the session, or the default, clamped to what the current dataset offers), which is the
value the widget shows in this run, and write it to the URL at once (absent when it is the
default). So a copied link reopens the same view. (At once, not at the end of the run: after
`st.stop()` nothing more reaches the browser.)

No widget is bound with `bind="query-params"`: bound widgets are updated in the URL by the
browser, behind the server's back, so a later write from the server would send a stale query
string and drop them (the bug where editing a date on Entity lost both dates). Here only the
server writes the URL, and the URL wins over the session only when it changed outside the app:
a new session (a link), a page switch (its `query_params`), or a test setting it.

Switching datasets (the Data page, after an upload, `?dataset=`) drops the values that belong to
the previous dataset (dates, sources, articles, entities, pairs) unless the same link sets them,
and every date is clamped to the dataset's range, so no widget is ever out of bounds.

Pages only read what widgets return, and request changes with `request` (then `st.rerun()`)
or `widgets.go_to` (a page switch with the global keys kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

# Keys that belong to the whole app: kept across pages, in every link.
GLOBAL_KEYS = ("dataset", "from", "to", "types", "sources", "articles", "min", "q", "dup", "img")
# Keys whose values only make sense for one dataset: dropped when the dataset changes.
DATASET_KEYS = ("from", "to", "sources", "articles", "entity", "article", "who", "ev", "pair",
                "kwic_article", "cmp_entity")
DATASET = "dataset"

_WRITTEN = "_revue_url_written"  # the query string as the app last wrote it
_PAGE = "_revue_page"  # the page of the last run
_PENDING = "_revue_url_pending"  # URL values that changed outside the app, to apply this run
_REGISTRY = "_revue_controls"  # key -> (to_url, default) for the controls of this run
_SHOWN = "_revue_dataset_shown"  # the dataset directory drawn by the last run
_NOTICES = "_revue_notices"  # messages for the user, shown once at the top of the page
_ASKED_DATASET = "_revue_dataset_asked"
_REQUESTED = "_revue_requested"  # values asked for by the app itself, applied like the URL's
# the last value of each control, per page: Streamlit forgets a widget's value after a run that
# did not draw it (a page that stopped early because a filter left nothing to show), and the
# page would then fall back to its default (another entity) when the widget comes back
_SHADOW = "_revue_shadow"


@dataclass(frozen=True)
class _Control:
    to_url: Callable[[Any], list[str]]
    default: Any


def _session() -> Any:
    return st.session_state


def url_now() -> dict[str, list[str]]:
    """Return the query string as a dict of lists (what the server knows of the URL)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def begin(page: str) -> None:
    """Start a run of `page`: decide which URL values changed outside the app (they win)."""
    session = _session()
    url = url_now()
    written: dict[str, list[str]] | None = session.get(_WRITTEN)
    last_page = session.get(_PAGE)
    pending: dict[str, list[str]]
    if written is None or last_page != page:
        # a new session (a link), or a page switch (its query string): the URL says it all;
        # global keys it lacks (the navigation menu drops them) keep their value
        pending = dict(url)
    else:
        pending = {k: v for k, v in url.items() if written.get(k) != v}
        pending.update({k: [] for k in written if k not in url})  # removed from the URL
    pending.update(session.pop(_REQUESTED, {}))
    session[_PENDING] = pending
    session[_WRITTEN] = url
    session[_REGISTRY] = {}
    session[_PAGE] = page
    if DATASET in pending:
        asked = pending.pop(DATASET)
        session[_ASKED_DATASET] = asked[-1] if asked else ""
        if asked:
            session[DATASET] = asked[-1]
        else:
            session.pop(DATASET, None)
    _register(DATASET, lambda v: [v] if v else [], None)


def dataset_choice() -> str | None:
    """Return the uploaded dataset the user chose (None: the default dataset)."""
    return _session().get(DATASET) or None


def set_dataset(name: str | None) -> None:
    """Request another dataset (None: the default); the caller reruns."""
    if name:
        _session()[DATASET] = name
        st.query_params[DATASET] = name
    else:
        _session().pop(DATASET, None)
        if DATASET in st.query_params:
            del st.query_params[DATASET]


def on_dataset(path: str, *, found: str | None) -> None:
    """Note the dataset this run draws (`found`: the upload name it resolved to, or None).

    When it differs from the last run's, the values tied to the old dataset are dropped,
    except those the URL sets in this very run (a link names its dataset and its dates)."""
    session = _session()
    asked = session.pop(_ASKED_DATASET, None)
    if asked and asked != found:
        notice(f"There is no dataset named “{asked}” on this machine: showing the default one.")
    if found:
        session[DATASET] = found
    else:
        session.pop(DATASET, None)
    shown = session.get(_SHOWN)
    session[_SHOWN] = path
    if shown is None or shown == path:
        return
    pending = session.get(_PENDING, {})
    for key in DATASET_KEYS:
        if key not in pending and key in session:
            del session[key]
        for values in session.get(_SHADOW, {}).values():
            values.pop(key, None)


ENTITY_KEYS = ("entity", "who", "ev", "cmp_entity")


def follow_moves(moved: Mapping[str, str | None], known: Iterable[str]) -> None:
    """Send links to entities that curation merged away to where they went, with a notice;
    say so for ids this dataset does not have (the page then shows its default)."""
    pending = _session().get(_PENDING, {})
    known = set(known)
    for key in ENTITY_KEYS:
        values = pending.get(key)
        if not values:
            continue
        out = []
        for value in values:
            seen: set[str] = set()
            target: str | None = value
            while target is not None and target in moved and target not in seen:
                seen.add(target)
                target = moved[target]
            if value in known:
                out.append(value)
            elif target is not None and target in known and target != value:
                notice(f"“{value}” was merged into another entity by curation: showing "
                       f"`{target}` instead.")
                out.append(target)
            elif value in moved:
                notice(f"“{value}” was excluded by curation: it is no longer an entity.")
            elif value:
                notice(f"There is no entity “{value}” in this dataset.")
        pending[key] = out


def notice(message: str) -> None:
    """Queue a message for the user, shown once by `show_notices`."""
    _session().setdefault(_NOTICES, []).append(message)


def show_notices() -> None:
    """Show the queued messages (a redirect, a dataset that is gone...) once."""
    for message in _session().pop(_NOTICES, []):
        st.info(message, icon=":material/info:")


# --- Controls ------------------------------------------------------------------------------


def _current(key: str) -> Any:
    """Return the session's value for `key`, or the last one this page drew."""
    session = _session()
    if key in session:
        return session[key]
    return session.get(_SHADOW, {}).get(session.get(_PAGE), {}).get(key)


def _register(key: str, to_url: Callable[[Any], list[str]], default: Any) -> None:
    """Remember the control for links to other pages, and put its value in the URL now."""
    session = _session()
    control = _Control(to_url, default)
    session.setdefault(_REGISTRY, {})[key] = control
    value = session.get(key)
    if value is not None:
        session.setdefault(_SHADOW, {}).setdefault(session.get(_PAGE), {})[key] = value
    # an empty choice that differs from a non-empty default is written `key=`
    wanted = [] if value is None or value == default else (to_url(value) or [""])
    if st.query_params.get_all(key) != wanted:
        if wanted:
            st.query_params[key] = wanted if len(wanted) > 1 else wanted[0]
        else:
            del st.query_params[key]
    session[_WRITTEN] = url_now()


def _take(key: str) -> tuple[bool, list[str]]:
    """Return (True, values) when the URL set `key` this run (an empty list: removed)."""
    pending = _session().get(_PENDING, {})
    if key in pending:
        return True, pending.pop(key)
    return False, []


def _settle(key: str, value: Any) -> Any:
    """Put `value` in the session for the widget `key` (only when it changed)."""
    session = _session()
    if key not in session or session[key] != value:
        session[key] = value
    return value


def _match(raw: str, options: Sequence[Any]) -> Any | None:
    """Return the option spelled `raw`, in any letter case (links are typed by people)."""
    by_text = {str(o): o for o in options}
    if raw in by_text:
        return by_text[raw]
    by_fold = {str(o).casefold(): o for o in options}
    return by_fold.get(raw.casefold())


def choice(key: str, options: Sequence[Any], *, default: Any = None, multi: bool = False,
           always: bool = False) -> Any:
    """Declare a choice among `options` (a selectbox, radio, segmented control, multiselect).

    Returns the value now in `st.session_state[key]`: the URL's if it changed outside the app
    and names an option, else the session's if still an option, else `default` (for a single
    choice without default: the first option). `always`: write it to the URL even when it is
    the default (ids whose default depends on the filters, like the entity shown)."""
    session = _session()
    options = list(options)
    fallback: Any = ([] if default is None else list(default)) if multi else (
        default if default is not None else (options[0] if options else None))
    from_url, raw = _take(key)
    value: Any
    if multi:
        if from_url:
            picked = [_match(r, options) for r in raw]
            value = list(dict.fromkeys(p for p in picked if p is not None))
        else:
            current = _current(key)
            value = [v for v in current if v in options] if isinstance(current, list) else fallback
    else:
        if from_url and raw:
            value = _match(raw[-1], options)
            value = fallback if value is None else value
        elif from_url:
            value = fallback
        else:
            current = _current(key)
            value = current if current in options else fallback
    if not options and not multi:
        session.pop(key, None)
        _register(key, lambda v: [] if v is None else [str(v)], None if always else default)
        return None
    _settle(key, value)
    if multi:
        _register(key, lambda v: [str(x) for x in v or []], fallback)
    else:
        _register(key, lambda v: [] if v is None else [str(v)], None if always else fallback)
    return value


def _clamp_day(value: date, lo: date | None, hi: date | None) -> date:
    if lo is not None and value < lo:
        return lo
    if hi is not None and value > hi:
        return hi
    return value


def _parse_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def day(key: str, *, lo: date, hi: date, default: date) -> date:
    """Declare a date between `lo` and `hi` (a date_input): out-of-range values are clamped."""
    _session()
    from_url, raw = _take(key)
    value: date | None
    if from_url:
        value = _parse_day(raw[-1]) if raw else None
    else:
        current = _current(key)
        value = current if isinstance(current, date) else None
    value = _clamp_day(value if value is not None else default, lo, hi)
    _settle(key, value)
    _register(key, lambda v: [v.isoformat()] if isinstance(v, date) else [], default)
    return value


def integer(key: str, *, default: int, lo: int | None = None, hi: int | None = None) -> int:
    """Declare a whole number (a number input or slider), clamped to [lo, hi]."""
    _session()
    from_url, raw = _take(key)
    value: Any
    if from_url:
        try:
            value = int(float(raw[-1])) if raw else default
        except (ValueError, OverflowError):
            value = default
    else:
        current = _current(key)
        value = current if isinstance(current, int) and not isinstance(current, bool) else (
            int(current) if isinstance(current, float) and current.is_integer() else default)
    if lo is not None:
        value = max(lo, value)
    if hi is not None:
        value = min(hi, value)
    _settle(key, value)
    _register(key, lambda v: [] if v is None else [str(int(v))], default)
    return int(value)


def text(key: str, *, default: str = "") -> str:
    """Declare free text (a text input)."""
    _session()
    from_url, raw = _take(key)
    if from_url:
        value = raw[-1] if raw else default
    else:
        current = _current(key)
        value = current if isinstance(current, str) else default
    _settle(key, value)
    _register(key, lambda v: [v] if v else [], default)
    return str(value)


_TRUE = {"1", "true", "yes", "on"}


def flag(key: str, *, default: bool = False) -> bool:
    """Declare a yes/no switch (a toggle or checkbox); the URL says `1` for yes."""
    _session()
    from_url, raw = _take(key)
    if from_url:
        value = bool(raw) and raw[-1].strip().casefold() in _TRUE
    else:
        current = _current(key)
        value = current if isinstance(current, bool) else default
    _settle(key, value)
    _register(key, lambda v: ["1"] if v else [], default)
    return bool(value)


def _encode(value: Any) -> list[str]:
    if value is None or value is False:
        return []
    if value is True:
        return ["1"]
    if isinstance(value, date):
        return [value.isoformat()]
    if isinstance(value, list | tuple):
        return [str(v) for v in value] or [""]
    return [str(value)]


def request(**values: Any) -> None:
    """Change view values from a button, a callback or a click, for the next run (the caller
    then calls `st.rerun()`; a callback needs not). None puts a value back to its default."""
    requested = _session().setdefault(_REQUESTED, {})
    for key, value in values.items():
        requested[key] = _encode(value)


def param(key: str) -> str | None:
    """Return what the URL asks for `key` this run, if it changed outside the app, else what
    the session holds (for pages that must know before drawing the widget, e.g. a redirect)."""
    pending = _session().get(_PENDING, {})
    if key in pending:
        values = pending[key]
        return values[-1] if values else None
    value = _session().get(key)
    return None if value is None else str(value)


def asked(key: str) -> list[str]:
    """Return every value the URL asks for `key` this run (if it changed outside the app),
    else the session's: for a widget whose options must include them (a link to an article
    outside the offered list)."""
    pending = _session().get(_PENDING, {})
    if key in pending:
        return list(pending[key])
    value = _session().get(key)
    if isinstance(value, list):
        return [str(v) for v in value]
    return [] if value is None else [str(value)]


def replace_param(key: str, value: str) -> None:
    """Make the URL's value for `key` this run `value` (a redirect from a merged-away id)."""
    pending = _session().setdefault(_PENDING, {})
    pending[key] = [value]


# --- The URL -------------------------------------------------------------------------------


def current_params(keys: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Return the registered values that differ from their defaults, as URL values."""
    session = _session()
    registry: Mapping[str, _Control] = session.get(_REGISTRY, {})
    out: dict[str, list[str]] = {}
    for key, control in registry.items():
        if keys is not None and key not in keys:
            continue
        value = session.get(key)
        if value is None or value == control.default:
            continue
        out[key] = control.to_url(value) or [""]
    return out


def global_params(**updates: str | list[str]) -> dict[str, str | list[str]]:
    """Return the app-wide values as a query string dict, plus `updates`: for `st.switch_page`
    and for links to another page (the filters come along)."""
    out: dict[str, str | list[str]] = {}
    for key, values in current_params(GLOBAL_KEYS).items():
        out[key] = values if len(values) > 1 else values[0]
    out.update(updates)
    return out
