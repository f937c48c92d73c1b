"""Store: a dataset directory of Parquet tables, a manifest and a build report, written atomically.

A build writes into a hidden sibling directory and swaps it in with two renames, so a build
killed at any moment leaves the previous dataset readable (if it dies between the two renames,
the next read puts the previous dataset back). The analyst's `curation.csv` is carried over.

Writers take a lock on the folder holding the datasets, so two builds into one `--out` take
turns instead of tripping over each other's renames. Whatever a killed build left behind
(`.NAME.building-*`, `.NAME.previous`) is removed by the next build or read that gets the lock:
while no writer holds it, no build is in progress, so those folders are stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeAlias

import duckdb
import pandas as pd
import pyarrow.parquet as pq

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
# DuckDB assembles tables given as parts: its sort spills to disk past this much memory, so
# writing a table costs a bounded amount of memory whatever the corpus size.
ASSEMBLY_MEMORY = "256MB"
SQL_TYPES = {"str": "VARCHAR", "int64": "BIGINT", "float64": "DOUBLE",
             "datetime64[us]": "TIMESTAMP", "bool": "BOOLEAN"}


@dataclass(frozen=True)
class Parts:
    """A table kept as Parquet parts (the build cache), written without ever being whole in memory.

    `wanted` has one row per (file, key): the rows of `file` whose `key` column is `key` belong
    to the table (a key may sit in several files; only the named one counts).
    """

    wanted: pd.DataFrame  # columns: file (str), key (str)


Table: TypeAlias = pd.DataFrame | Parts


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


LOCK_WAIT_SECONDS = 120.0  # writing tables takes seconds; a longer wait means a stuck writer


def _backup(path: Path) -> Path:
    return path.with_name(f".{path.name}.previous")


@contextlib.contextmanager
def _folder_lock(folder: Path, *, wait: bool) -> Iterator[bool]:
    """Hold the writers' lock of `folder`; yield whether it is held (False: another writer).

    An flock on the folder itself: no lock file to leave behind. Where the file system cannot
    lock, proceed unlocked (as before locks existed) rather than refuse to work.
    """
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield True
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    yield False
                    return
                if time.monotonic() > deadline:
                    raise DatasetError(
                        f"another build has been writing into {folder} for over "
                        f"{LOCK_WAIT_SECONDS:.0f} s; try again when it has finished"
                    ) from None
                time.sleep(0.2)
            except OSError:
                break  # no locking on this file system
        yield True
    finally:
        os.close(fd)  # releases the lock


def _remove_leftovers(path: Path) -> None:
    """Remove what killed builds of `path` left; call only while holding the folder's lock."""
    if not path.exists() and _backup(path).is_dir():
        os.replace(_backup(path), path)  # died between the two renames: put it back
    for leftover in path.parent.glob(f".{glob_escape(path.name)}.building-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if path.exists():
        shutil.rmtree(_backup(path), ignore_errors=True)


def glob_escape(name: str) -> str:
    """Return `name` with glob wildcards escaped (a dataset may be called `a[1]`)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def recover(path: Path) -> None:
    """Put the previous dataset back if a build died between its two renames, and remove the
    leftovers of killed builds; does nothing while another build is writing."""
    path = Path(path)
    if not path.parent.is_dir():
        return
    with _folder_lock(path.parent, wait=False) as held:
        if held:
            _remove_leftovers(path)


def list_datasets(root: Path) -> list[Path]:
    """Return the datasets in folder `root`, by name: visible folders holding a manifest.

    Hidden folders (a build in progress, the previous copy kept during a swap) are never
    listed; stale ones are cleaned up, and a dataset a killed build left as `.NAME.previous`
    is put back first.
    """
    root = Path(root)
    if not root.is_dir():
        return []
    names = set()
    for entry in root.iterdir():
        name = entry.name
        if name.startswith(".") and name.endswith(".previous"):
            name = name[1 : -len(".previous")]
        elif name.startswith(".") and ".building-" in name:
            name = name[1 : name.rindex(".building-")]
        if name and not name.startswith("."):
            names.add(name)
    with _folder_lock(root, wait=False) as held:
        if held:
            for name in names:
                _remove_leftovers(root / name)
    return [root / name for name in sorted(names) if (root / name / MANIFEST_FILE).is_file()]


def write_dataset(
    path: Path,
    tables: Mapping[str, Table],
    manifest: dict[str, Any],
    *,
    spans: pd.DataFrame | None = None,
) -> StoredTables:
    """Write every table, the report and the manifest to `path`, replacing it atomically.

    A table may be given as `Parts` (streamed from the build cache); the manifest's `counts`
    are set from what was written. Returns the tables as written, read lazily from files opened
    before the swap (a later build into `path` does not change them).
    Raises DatasetError when `path` is something other than a dataset (a file, or a folder with
    other content: it is never replaced), or when another build holds the lock for too long.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _folder_lock(path.parent, wait=True):
        _remove_leftovers(path)
        _check_replaceable(path)
        return _write_locked(path, tables, manifest, spans)


def _check_replaceable(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise DatasetError(f"{path} exists and is not a dataset folder: choose another --out")
    if path.is_dir() and not (path / MANIFEST_FILE).exists() and any(path.iterdir()):
        raise DatasetError(f"{path} is a folder that is not a Revue dataset; it is left "
                           "untouched: choose a new or empty folder for --out")


def _write_locked(
    path: Path,
    tables: Mapping[str, Table],
    manifest: dict[str, Any],
    spans: pd.DataFrame | None,
) -> StoredTables:
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    counts = manifest.setdefault("counts", {})
    try:
        for table in PARQUET_TABLES:
            given = tables[table]
            if isinstance(given, Parts):
                counts[table] = write_parts(tmp / f"{table}.parquet", table, given)
            else:
                schema.check(table, given)
                write_table(tmp / f"{table}.parquet", table, given)
                counts[table] = len(given)
        report = tables["report"]
        assert isinstance(report, pd.DataFrame)
        schema.check("report", report)
        report.to_csv(tmp / REPORT_FILE, index=False)
        counts["report"] = len(report)
        if spans is not None:
            spans.to_parquet(tmp / f"{CACHE_TABLE}.parquet", index=False)
        if (path / CURATION_FILE).exists():
            shutil.copy2(path / CURATION_FILE, tmp / CURATION_FILE)
        (tmp / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        written = StoredTables(tmp)  # opened before the swap: keeps this build's files
        if path.exists():
            shutil.rmtree(_backup(path), ignore_errors=True)
            os.replace(path, _backup(path))
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(_backup(path), ignore_errors=True)
    return written


class StoredTables(Mapping[str, pd.DataFrame]):
    """The tables of a dataset as written, each read (and conformed) on first access only.

    The files are opened when the mapping is made, so the tables stay those of that build even
    after another build replaces the dataset: a caller holding a build's result never reads a
    newer one. Nothing is in memory until asked for: a build at any corpus size returns this
    without reading its tables back.
    """

    def __init__(self, folder: Path) -> None:
        self._files: dict[str, IO[bytes]] = {
            name: open(folder / f"{name}.parquet", "rb")  # noqa: SIM115  closed with the mapping
            for name in PARQUET_TABLES}
        self._files["report"] = open(folder / REPORT_FILE, "rb")  # noqa: SIM115
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            file = self._files[name]
            file.seek(0)
            if name == "report":
                frame = pd.read_csv(file, dtype="str", keep_default_na=False)
            else:
                frame = pq.read_table(file).to_pandas()
            self._read[name] = schema.conform(name, frame)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __del__(self) -> None:
        for file in getattr(self, "_files", {}).values():
            file.close()


def write_table(path: Path, table: str, frame: pd.DataFrame) -> None:
    """Write one table as Parquet, sorted by `SORT_KEYS[table]`, in row groups of
    `ROW_GROUP_SIZE` rows (the layout the dashboard's queries rely on to skip data)."""
    keys = [k for k in SORT_KEYS.get(table, ()) if k in frame.columns]
    if keys:
        frame = frame.sort_values(keys, na_position="last", kind="stable", ignore_index=True)
    frame.to_parquet(path, index=False, row_group_size=ROW_GROUP_SIZE)


def write_parts(path: Path, table: str, parts: Parts) -> int:
    """Write `table` from its Parquet parts in the layout of `write_table`; return its rows.

    DuckDB reads the parts, keeps the wanted rows, sorts them (spilling to disk past
    `ASSEMBLY_MEMORY`) and writes the file: the table is never whole in this process' memory.
    Ties in the sort keys keep the parts' own row order, so the file is the same whatever the
    number of workers that wrote the parts.
    """
    files = sorted(set(parts.wanted["file"]))
    if not files:
        write_table(path, table, schema.empty(table))
        return 0
    select = ", ".join(f'CAST(t."{c.name}" AS {SQL_TYPES[c.dtype]}) AS "{c.name}"'
                       for c in schema.TABLES[table])
    keys = [*SORT_KEYS.get(table, ()), *schema.KEYS.get(table, ())]
    order = ", ".join([*(f't."{k}"' for k in dict.fromkeys(keys)), "t.filename",
                       "t.file_row_number"])
    with tempfile.TemporaryDirectory(prefix=".assemble-", dir=path.parent) as spill:
        con = duckdb.connect(config={"memory_limit": ASSEMBLY_MEMORY, "threads": 1,
                                     "temp_directory": spill})
        try:
            con.register("wanted", parts.wanted[["file", "key"]].astype("str"))
            con.execute(
                f"COPY (SELECT {select} FROM read_parquet(?, filename = true, "
                "file_row_number = true, union_by_name = true) AS t "
                "JOIN wanted AS w ON t.filename = w.file AND t.key = w.key "
                f"ORDER BY {order}) TO '{_sql_string(str(path))}' "
                f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_SIZE})", [files])
        finally:
            con.close()
    return int(pq.read_metadata(path).num_rows)


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


def load_manifest(path: Path) -> dict[str, Any]:
    """Return the manifest of the dataset at `path`. Raises DatasetError saying what is wrong."""
    path = Path(path)
    recover(path)
    file = path / MANIFEST_FILE
    if not file.is_file():
        raise DatasetError(
            f"{path} is not a Revue dataset (no manifest.json): "
            f"build one with `python -m pipeline build CORPUS --out {path}`"
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DatasetError(f"{file} is not UTF-8 text: rebuild the dataset") from None
    except json.JSONDecodeError as error:
        raise DatasetError(f"{file} is not valid JSON ({error.msg} at line {error.lineno}, "
                           f"column {error.colno}): rebuild the dataset") from None
    except (OSError, RecursionError) as error:
        raise DatasetError(f"{file} cannot be read ({type(error).__name__}): "
                           "rebuild the dataset") from None
    if not isinstance(manifest, dict):
        kind = {list: "a list", str: "a string", int: "a number", float: "a number",
                bool: "true/false", type(None): "null"}.get(type(manifest), "something else")
        raise DatasetError(f"{file} holds {kind}, not the dataset's description (a JSON "
                           "object): rebuild the dataset")
    return manifest


def read_manifest(path: Path) -> dict[str, Any] | None:
    """Return the manifest of the dataset at `path`, or None when there is no readable one."""
    try:
        return load_manifest(path)
    except DatasetError:
        return None


def read_dataset(path: Path, *, with_spans: bool = False) -> Dataset:
    """Read a dataset directory as built, without curation. Raises DatasetError."""
    path = Path(path)
    manifest = load_manifest(path)
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
