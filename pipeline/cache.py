"""Build cache: per-article stage outputs kept as Parquet parts, keyed by what they depend on.

A rebuild looks each article up by a key that hashes everything its stage reads (the text, the
language, the model, the publication date, and the *code*: the stage's module and every
`pipeline` module it imports, plus its data files), so a changed input or a code fix re-runs that
stage, and an unchanged article costs a key lookup. Each batch of articles becomes one part: a
directory of small Parquet files (`keys.parquet` plus one file per table, every row carrying its
article's `key`), written under a temporary name and renamed, so a killed build leaves whole parts
only. Reading takes, for every wanted key, the rows of one part that holds it; parts whose keys are
all stale are pruned after a successful build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PACKAGE = Path(__file__).resolve().parent
KEY = "key"  # the column every cached row carries
KEYS_FILE = "keys.parquet"


def digest(*parts: object) -> str:
    """Return a short stable hash of `parts` (JSON-encoded; dates and paths via str)."""
    raw = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def text_hash(text: str) -> str:
    """Return the hash of an article's exact text (offsets point into it, so every char counts)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _read_source(path: Path) -> bytes:
    """The bytes a code version hashes (a seam: tests change it to simulate a code edit)."""
    return path.read_bytes()


_FROM_MODULE = re.compile(rb"^\s*from\s+pipeline\.(\w+)", re.MULTILINE)
_FROM_PACKAGE = re.compile(rb"^\s*from\s+pipeline\s+import\s+(\([^)]*\)|[^\n]*)", re.MULTILINE)
_IMPORT = re.compile(rb"^\s*import\s+pipeline\.(\w+)", re.MULTILINE)


def _pipeline_imports(source: bytes) -> set[str]:
    """Return the `pipeline` modules a module's source imports (`from pipeline import x`, ...).

    A text scan, not a parse (a parse of every module costs ~0.1 s a build): an import-like line
    in a docstring only adds a module to the hash, which can cost a cache miss, never a stale hit.
    """
    found = {m.decode() for m in _FROM_MODULE.findall(source) + _IMPORT.findall(source)}
    for names in _FROM_PACKAGE.findall(source):
        for name in names.strip(b"()").replace(b"\n", b",").split(b","):
            words = name.split()
            if words and words[0].decode().isidentifier():
                found.add(words[0].decode())
    return {name for name in found if (PACKAGE / f"{name}.py").exists()}


def code_version(*modules: str) -> str:
    """Return a hash of the source of `modules` and of every pipeline module they import.

    Data files named after a module (`pipeline/data/sentiment_*` for `sentiment`) count as its
    code too: a lexicon edit changes the scores as surely as a code edit.
    """
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += sorted(_pipeline_imports(_read_source(PACKAGE / f"{name}.py")) - seen)
    hasher = hashlib.sha1()
    for name in sorted(seen):
        files = [PACKAGE / f"{name}.py", *sorted((PACKAGE / "data").glob(f"{name}_*"))]
        for path in files:
            hasher.update(str(path.relative_to(PACKAGE)).encode())
            hasher.update(hashlib.sha1(_read_source(path)).digest())
    return hasher.hexdigest()[:20]


class PartCache:
    """Per-article stage outputs under `root/<stage>/<part>/<table>.parquet`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _parts(self, stage: str) -> list[Path]:
        folder = self.root / stage
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir()
                      if p.is_dir() and not p.name.startswith(".") and (p / KEYS_FILE).exists())

    def index(self, stage: str) -> dict[str, Path]:
        """Return key → the part holding it, for every complete part of `stage`."""
        where: dict[str, Path] = {}
        for part in self._parts(stage):
            try:
                keys = pq.read_table(part / KEYS_FILE, columns=[KEY]).column(KEY).to_pylist()
            except (OSError, pa.ArrowException):
                continue  # a damaged part is a cache miss, not a failure
            for key in keys:
                where.setdefault(key, part)
        return where

    def write(self, stage: str, keys: Iterable[str], tables: Mapping[str, pd.DataFrame]) -> None:
        """Write one part: the `keys` it covers (even those with no rows) and its tables."""
        folder = self.root / stage
        folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        tmp = folder / f".{name}.tmp"
        tmp.mkdir()
        try:
            pq.write_table(pa.table({KEY: pa.array(list(keys), pa.string())}), tmp / KEYS_FILE)
            for table, frame in tables.items():
                arrow = pa.Table.from_pandas(frame, preserve_index=False)
                pq.write_table(arrow, tmp / f"{table}.parquet")
            os.replace(tmp, folder / name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def read(self, stage: str, table: str, wanted: Collection[str],
             index: Mapping[str, Path] | None = None, *,
             columns: Collection[str] | None = None) -> pd.DataFrame | None:
        """Return the rows of `table` for the `wanted` keys (one part per key), or None if none.

        Each part is filtered as it is read, so memory holds the wanted rows (and only the
        `columns` asked for, when given), not whole parts.
        """
        index = self.index(stage) if index is None else index
        by_part: dict[Path, list[str]] = {}
        for key in wanted:
            if key in index:
                by_part.setdefault(index[key], []).append(key)
        pieces = []
        wanted_columns = None if columns is None else list(dict.fromkeys([KEY, *columns]))
        for part, keys in sorted(by_part.items()):
            arrow = pq.read_table(part / f"{table}.parquet", columns=wanted_columns)
            pieces.append(arrow.filter(pc.is_in(arrow.column(KEY), pa.array(keys, pa.string()))))
        if not pieces:
            return None
        return pa.concat_tables(pieces, promote_options="permissive").to_pandas()

    def files(self, stage: str, table: str, wanted: Iterable[str],
              index: Mapping[str, Path]) -> pd.DataFrame:
        """Return which file holds each `wanted` key's rows of `table` (columns file, key): the
        table as parts, for `store.write_parts` to assemble without reading it here."""
        pairs = [(str(index[key] / f"{table}.parquet"), key) for key in wanted if key in index]
        return pd.DataFrame(pairs, columns=["file", "key"], dtype="str")

    def prune(self, stage: str, live: Collection[str]) -> None:
        """Delete the parts of `stage` that hold no live key, and half-written leftovers."""
        live = set(live)
        folder = self.root / stage
        if not folder.is_dir():
            return
        for leftover in folder.glob(".*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
        for part in self._parts(stage):
            try:
                keys = pq.read_table(part / KEYS_FILE, columns=[KEY]).column(KEY).to_pylist()
            except (OSError, pa.ArrowException):
                keys = []
            if not live.intersection(keys):
                shutil.rmtree(part, ignore_errors=True)


def files_signature(paths: Iterable[Path]) -> list[tuple[str, int, int]]:
    """Return (path, size, mtime) of every file under `paths`: a corpus-wide change detector.

    An explicit stack, not recursion: a corpus may nest folders thousands of levels deep.
    """
    found: list[tuple[str, int, int]] = []
    stack = [(str(p), True) for p in reversed(list(paths))]  # (path, given by the user)
    while stack:
        path, given = stack.pop()
        try:
            if os.path.isdir(path) and (given or not os.path.islink(path)):
                with os.scandir(path) as entries:
                    stack += [(e, False) for e in sorted((e.path for e in entries),
                                                         reverse=True)]
                continue
            stat = os.stat(path)
            found.append((os.path.abspath(path), stat.st_size, stat.st_mtime_ns))
        except OSError:
            found.append((path, -1, -1))
    return found


class Snapshot:
    """Whole-corpus results under `root/<stage>/<key>/`: only the latest one per stage is kept.

    For the corpus-wide steps (ingest, entity resolution) whose inputs are the whole corpus: an
    unchanged corpus reads them back instead of recomputing them.
    """

    def __init__(self, root: Path, stage: str) -> None:
        self.folder = Path(root) / stage

    def read(self, key: str, tables: Iterable[str]) -> dict[str, pd.DataFrame] | None:
        """Return the tables saved under `key`; None when there are none or they are damaged."""
        where = self.folder / key
        try:
            return {name: pq.read_table(where / f"{name}.parquet").to_pandas() for name in tables}
        except (OSError, pa.ArrowException):
            return None

    def write(self, key: str, tables: Mapping[str, pd.DataFrame]) -> None:
        """Save `tables` under `key`, replacing the previous snapshot."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{uuid.uuid4().hex}.tmp"
        tmp.mkdir()
        try:
            for name, frame in tables.items():
                pq.write_table(pa.Table.from_pandas(frame, preserve_index=False),
                               tmp / f"{name}.parquet")
            shutil.rmtree(self.folder / key, ignore_errors=True)
            os.replace(tmp, self.folder / key)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for other in self.folder.iterdir():
            if other.name != key:
                shutil.rmtree(other, ignore_errors=True)
