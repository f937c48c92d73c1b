"""Data: find, build and open the dataset once per process, and hand the current view to pages.

The dataset is the directory named by env `REVUE_DATA`, else `data/seeds` under the project root
(built from `seeds/` on first run). An upload switches to `data/uploads/<name>` via the
`dataset=<name>` query parameter. Loading is cached per process (`st.cache_resource`), keyed by
path and the modification times of the manifest and the curation file, so a rebuild or a
curation edit is picked up on the next rerun and never once per session.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from pipeline import store
from pipeline.dataset import open_dataset
from revue_app.queries import Filters, apply_filters

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEFAULT_DATA = ROOT / "data" / "seeds"
UPLOADS = Path(os.environ.get("REVUE_UPLOADS") or ROOT / "data" / "uploads")
VIEW_KEY = "_revue_view"
DATASET_PARAM = "dataset"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class View:
    """What every page draws from: the whole (curated) dataset and the filtered tables."""

    path: Path
    stamp: tuple[float, float]
    manifest: Mapping[str, Any]
    everything: Mapping[str, pd.DataFrame]
    tables: Mapping[str, pd.DataFrame]
    filters: Filters
    problems: tuple[str, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def name(self, entity_id: str) -> str:
        """Return an entity's display name (its id when unknown)."""
        return self.names.get(entity_id, entity_id)


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


@st.cache_resource(show_spinner=False, max_entries=8)
def _open(path: str, stamp: tuple[float, float]) -> store.Dataset:
    """Open the dataset with the analyst's curation applied; cached per stamp."""
    del stamp  # part of the cache key only
    return open_dataset(path)


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


def open_current() -> store.Dataset | None:
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


@st.cache_resource(show_spinner=False, max_entries=64)
def _filtered(path: str, stamp: tuple[float, float], filters: Filters,
              _dataset: store.Dataset) -> dict[str, pd.DataFrame]:
    """Filtered tables, cached per dataset version and filter values (shared by sessions)."""
    del path, stamp
    return apply_filters(_dataset.tables, filters)


def make_view(dataset: store.Dataset, filters: Filters) -> View:
    """Return the view of `dataset` through `filters` (cached) and remember it for the pages."""
    stamp = (_mtime(dataset.path / store.MANIFEST_FILE),
             _mtime(dataset.path / store.CURATION_FILE))
    tables = _filtered(str(dataset.path), stamp, filters, dataset)
    entities = dataset.tables["entities"]
    view = View(
        path=dataset.path, stamp=stamp, manifest=dataset.manifest, everything=dataset.tables,
        tables=tables, filters=filters, problems=tuple(dataset.problems),
        names=dict(zip(entities["entity_id"], entities["name"], strict=True)),
        labels=dict(zip(entities["entity_id"], entities["label"], strict=True)),
    )
    st.session_state[VIEW_KEY] = view
    return view


@st.cache_resource(show_spinner=False, max_entries=256)
def _memo(name: str, path: str, stamp: tuple[float, float], filters: Filters, args: tuple,
          kwargs: tuple, _fn: Callable[..., Any], _tables: Mapping[str, pd.DataFrame]) -> Any:
    del name, path, stamp, filters
    return _fn(_tables, *args, **dict(kwargs))


def memo(view: View, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Return `fn(view.tables, *args, **kwargs)`, computed once per dataset version, filters
    and arguments, and shared by every session (the results are read-only by convention)."""
    return _memo(f"{fn.__module__}.{fn.__qualname__}", str(view.path), view.stamp,
                 view.filters, args, tuple(sorted(kwargs.items())), fn, view.tables)


def get_view() -> View:
    """Return the view the entry point prepared for this run (pages call this first)."""
    view = st.session_state.get(VIEW_KEY)
    if view is None:  # a page run on its own, outside dashboard.py
        st.error("Open the dashboard through `streamlit run dashboard.py`.")
        st.stop()
    return view
