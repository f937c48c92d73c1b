"""Store: a dataset directory of Parquet tables, a manifest and a build report, written atomically.

A build writes into a hidden sibling directory and swaps it in with two renames, so a build
killed at any moment leaves the previous dataset readable (if it dies between the two renames,
the next read puts the previous dataset back). The analyst's `curation.csv` is carried over.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import schema

PARQUET_TABLES = ("articles", "sentences", "mentions", "entities", "aliases", "events", "quotes")
CACHE_TABLE = "spans"  # raw NER spans, kept so a rebuild re-annotates only changed articles
CURATION_FILE = "curation.csv"
MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.csv"
# Row order of each Parquet file, so that the dashboard's engine (DuckDB) skips row groups by
# their min/max statistics: mentions by entity then article (an entity's page reads a few row
# groups), articles by publication date (a date range reads only its months), the rest by
# article. ROW_GROUP_SIZE keeps groups small enough to skip, large enough to scan fast.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("published", "article_id"),
    "sentences": ("article_id", "sentence_id"),
    "mentions": ("entity_id", "article_id", "start"),
    "entities": ("entity_id",),
    "aliases": ("entity_id", "surface"),
    "events": ("article_id", "start"),
    "quotes": ("article_id", "start"),
}
ROW_GROUP_SIZE = 64_000


class DatasetError(RuntimeError):
    """A dataset directory cannot be read; the message says why in plain words."""


@dataclass
class Dataset:
    path: Path
    tables: dict[str, pd.DataFrame]
    manifest: dict[str, Any]
    spans: pd.DataFrame | None = None
    problems: list[str] = field(default_factory=list)  # e.g. invalid curation lines

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]


def _backup(path: Path) -> Path:
    return path.with_name(f".{path.name}.previous")


def recover(path: Path) -> None:
    """Put the previous dataset back if a build died between its two renames."""
    path = Path(path)
    if not path.exists() and _backup(path).exists():
        os.replace(_backup(path), path)


def write_dataset(
    path: Path,
    tables: dict[str, pd.DataFrame],
    manifest: dict[str, Any],
    *,
    spans: pd.DataFrame | None = None,
) -> None:
    """Write every table, the report and the manifest to `path`, replacing it atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    try:
        for table in PARQUET_TABLES:
            schema.check(table, tables[table])
            write_table(tmp / f"{table}.parquet", table, tables[table])
        schema.check("report", tables["report"])
        tables["report"].to_csv(tmp / REPORT_FILE, index=False)
        if spans is not None:
            spans.to_parquet(tmp / f"{CACHE_TABLE}.parquet", index=False)
        if (path / CURATION_FILE).exists():
            shutil.copy2(path / CURATION_FILE, tmp / CURATION_FILE)
        (tmp / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        if path.exists():
            shutil.rmtree(_backup(path), ignore_errors=True)
            os.replace(path, _backup(path))
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(_backup(path), ignore_errors=True)


def write_table(path: Path, table: str, frame: pd.DataFrame) -> None:
    """Write one table as Parquet, sorted by `SORT_KEYS[table]`, in row groups of
    `ROW_GROUP_SIZE` rows (the layout the dashboard's queries rely on to skip data)."""
    keys = [k for k in SORT_KEYS.get(table, ()) if k in frame.columns]
    if keys:
        frame = frame.sort_values(keys, na_position="last", kind="stable", ignore_index=True)
    frame.to_parquet(path, index=False, row_group_size=ROW_GROUP_SIZE)


def read_manifest(path: Path) -> dict[str, Any] | None:
    """Return the manifest of the dataset at `path`, or None when there is no readable one."""
    path = Path(path)
    recover(path)
    try:
        manifest: dict[str, Any] = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest


def read_dataset(path: Path, *, with_spans: bool = False) -> Dataset:
    """Read a dataset directory as built, without curation. Raises DatasetError."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest is None:
        raise DatasetError(
            f"{path} is not a Revue dataset (no manifest.json): "
            f"build one with `python -m pipeline build CORPUS --out {path}`"
        )
    if manifest.get("schema_version") != schema.SCHEMA_VERSION:
        raise DatasetError(
            f"{path} was built by another version of Revue (schema "
            f"{manifest.get('schema_version')}, expected {schema.SCHEMA_VERSION}): rebuild it"
        )
    tables: dict[str, pd.DataFrame] = {}
    try:
        for table in PARQUET_TABLES:
            tables[table] = schema.conform(table, pd.read_parquet(path / f"{table}.parquet"))
        report = pd.read_csv(path / REPORT_FILE, dtype="str", keep_default_na=False)
        tables["report"] = schema.conform("report", report)
        spans = None
        if with_spans and (path / f"{CACHE_TABLE}.parquet").exists():
            spans = pd.read_parquet(path / f"{CACHE_TABLE}.parquet")
    except (OSError, ValueError, schema.SchemaError) as error:
        raise DatasetError(f"{path}: a table is missing or damaged ({error}): rebuild it") from None
    return Dataset(path=path, tables=tables, manifest=manifest, spans=spans)
