"""Data: find, build and open the dataset once per process, and hand the current view to pages.

The dataset is the directory named by env `REVUE_DATA`, else `data/seeds` under the project root
(built from `seeds/` on first run). An upload switches to `data/uploads/<name>` via the
`dataset=<name>` query parameter. Loading is cached per process (`st.cache_resource`), keyed by
path and the modification times of the manifest and the curation file, so a rebuild or a
curation edit is picked up on the next rerun and never once per session. Opening creates the
dataset's DuckDB engine (`revue_app.engine`): nothing is loaded in pandas; pages ask queries of
the view (`View.q`), whose small results are cached in a byte-bounded LRU.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import streamlit as st

from pipeline import store
from revue_app.engine import Engine, cached
from revue_app.queries import Filters, entity_directory

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEFAULT_DATA = ROOT / "data" / "seeds"
UPLOADS = Path(os.environ.get("REVUE_UPLOADS") or ROOT / "data" / "uploads")
VIEW_KEY = "_revue_view"
DATASET_PARAM = "dataset"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class View:
    """What every page draws from: the dataset's engine and the sidebar's filters."""

    path: Path
    stamp: tuple[float, float]
    db: Engine
    filters: Filters
    manifest: Mapping[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def name(self, entity_id: str) -> str:
        """Return an entity's display name (its id when unknown)."""
        return self.names.get(entity_id, entity_id)

    def q(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Return `fn(db, filters, *args, **kwargs)`: a query on the current view, computed
        once per dataset version, filters and arguments for every session (bounded cache)."""
        return cast(T, cached(self.db, fn, self.filters, *args, **kwargs))

    def whole(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Return `fn(db, *args, **kwargs)`: a query on the whole dataset (cached likewise)."""
        return cast(T, cached(self.db, fn, *args, **kwargs))


def upload_dir(name: str) -> Path | None:
    """Return `data/uploads/<name>` when `name` is a safe directory name, else None."""
    return UPLOADS / name if _SAFE_NAME.match(name) and ".." not in name else None


def dataset_path() -> Path:
    """Return the dataset to show: `?dataset=<upload>` if valid, else REVUE_DATA, else seeds.

    The choice is also kept in the session, because the navigation menu drops query
    parameters that are not bound to a widget; it is put back in the URL here.
    """
    chosen = st.query_params.get(DATASET_PARAM) or st.session_state.get(DATASET_PARAM)
    if chosen:
        path = upload_dir(chosen)
        if path is not None and (path / store.MANIFEST_FILE).exists():
            st.session_state[DATASET_PARAM] = chosen
            if st.query_params.get(DATASET_PARAM) != chosen:
                st.query_params[DATASET_PARAM] = chosen
            return path
        st.session_state.pop(DATASET_PARAM, None)
        if DATASET_PARAM in st.query_params:  # a stale or invalid name: drop it from the URL
            del st.query_params[DATASET_PARAM]
    env = os.environ.get("REVUE_DATA")
    return Path(env).expanduser() if env else DEFAULT_DATA


def _mtime(path: Path) -> float:
    try:
        info = path.stat()
    except OSError:
        return 0.0
    # the modification time and the size: a curation line undone and another written within
    # the clock's resolution still changes the key
    return float(hash((info.st_mtime_ns, info.st_size)))


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(path: str, stamp: tuple[float, float]) -> Engine:
    """Open the dataset's engine (curation applied): one per dataset version and process."""
    return Engine.open(path, stamp)


@st.cache_resource(show_spinner=False)
def spacy_model(language: str) -> Any:
    """Load a spaCy pipeline once per process (used by the upload build)."""
    from pipeline.annotate import DEFAULT_MODELS, load_model

    return load_model(DEFAULT_MODELS[language])


def build_seeds(path: Path) -> None:
    """Build the seed dataset into `path` (first run of a fresh checkout)."""
    from pipeline.build import build

    models = {}
    try:
        models["fr"] = spacy_model("fr")
    except Exception:  # build() reports a missing model per article
        models = {}
    build([SEEDS], path, loaded_models=models)


def open_current() -> Engine | None:
    """Return the current dataset, building the seeds if needed; on failure show why and None."""
    path = dataset_path()
    if not (path / store.MANIFEST_FILE).exists() and path == DEFAULT_DATA and SEEDS.exists():
        from revue_app.hosting import build_once

        try:
            with st.spinner("Building the seed dataset (first run, about a minute)…"):
                build_once(path, build_seeds)  # once for all visitors: the others wait
        except Exception as error:  # any failure is shown, never a traceback
            st.error(f"Could not build the seed dataset: {error}")
            st.info("Build it from a terminal: `python -m pipeline build seeds --out data/seeds`.")
            return None
    stamp = (_mtime(path / store.MANIFEST_FILE), _mtime(path / store.CURATION_FILE))
    try:
        return _open(str(path), stamp)
    except store.DatasetError as error:
        st.error(str(error))
    except Exception as error:
        st.error(f"Could not open the dataset at {path}: {error}")
    st.info(
        "Point the dashboard at a dataset with the `REVUE_DATA` environment variable, or build "
        "one: `python -m pipeline build CORPUS --out DIR`."
    )
    return None


def make_view(db: Engine, filters: Filters) -> View:
    """Return the view of the dataset through `filters` and remember it for the pages."""
    view = View(
        path=db.path, stamp=(db.key[1], db.key[2]), db=db, filters=filters,
        manifest=db.manifest, problems=db.problems,
        names=cached(db, _names, "name"), labels=cached(db, _names, "label"),
    )
    st.session_state[VIEW_KEY] = view
    return view


def _names(db: Engine, column: str) -> dict[str, str]:
    """Return entity id → name (or label) for the whole dataset, shared by the sessions."""
    directory = cached(db, entity_directory)
    return dict(zip(directory["entity_id"], directory[column], strict=True))


def get_view() -> View:
    """Return the view the entry point prepared for this run (pages call this first)."""
    view = st.session_state.get(VIEW_KEY)
    if view is None:  # a page run on its own, outside dashboard.py
        st.error("Open the dashboard through `streamlit run dashboard.py`.")
        st.stop()
    return view
