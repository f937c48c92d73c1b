"""Engine: the dashboard's tables as DuckDB views over the dataset's Parquet files.

Why: a click must cost what the page shows, not the corpus. DuckDB runs in-process, reads the
Parquet files directly (only the columns and row groups a query needs: see
`pipeline.store.SORT_KEYS`) and returns small frames; nothing is loaded up front. One
connection per dataset and process, shared by every session; each query runs on its own
cursor, because Streamlit runs sessions in threads.

Curation (`curation.csv`) is applied without copying the big tables: `pipeline.dataset`
curates only the mentions of the entities the file names, and the engine joins the resulting
small mapping ((entity_id, surface) → curated entity or excluded) into the `mentions` view and
serves the curated `entities`/`aliases` as small tables.

Results are cached in one process-wide LRU bounded in bytes (`ResultCache`), keyed by dataset
version, query, filters and arguments: only the small frames the pages draw are kept.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd

from pipeline import schema, store
from pipeline.dataset import CurationTables, curate_subset, read_small_manifest, touched

TABLES = store.PARQUET_TABLES
# Searches whose matching sentences are kept, per dataset (see Engine.search_table).
MAX_SEARCHES = 8
# DuckDB's own memory (hash tables, buffers) per dataset; it spills to disk beyond this.
MEMORY_LIMIT = "1GB"
# Articles whose sentences are folded at once when the index is built (see `_fold_sentences`).
FOLD_BATCH = 20_000
# The engine's own tables, stored once per dataset version in `INDEX_DIR` inside the dataset
# (see `_build_index`); bump INDEX_FORMAT when `_index` or `_apply` change what they make.
INDEX_DIR = ".engine"
INDEX_FORMAT = 7
# What queries read from a stored index (tables and views made by `_apply` and `_index`).
CURATION_MOVES = "cur_moved"
INDEXED = ("sentences", "mentions", "articles", "entities", "aliases", "quotes", "events",
           "texts", "entity_days", "entity_sentences", "article_types", "folded")


def _raw(table: str) -> str:
    """Return the name of the view over a stored table (the engine's own tables build on it)."""
    return f"raw_{table}"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


@dataclass
class Engine:
    """A dataset opened for querying: a DuckDB connection with one view per table."""

    con: duckdb.DuckDBPyConnection
    path: Path
    key: tuple[str, float, float]  # path and version: part of every cache key
    manifest: Mapping[str, Any] = field(default_factory=dict)
    report: pd.DataFrame = field(default_factory=lambda: schema.empty("report"))
    problems: tuple[str, ...] = ()
    has_duplicates: bool = False
    entity_days: bool = False  # the per-day entity counts can serve the entity counts
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _searches: OrderedDict[str, str] = field(default_factory=OrderedDict, repr=False)
    _aid: str = "VARCHAR"
    eid: str = "VARCHAR"  # the SQL type of entity ids in the engine's tables

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, stamp: tuple[float, float] = (0.0, 0.0)) -> Engine:
        """Open the dataset at `path` (curation applied). Raises store.DatasetError."""
        path = Path(path)
        manifest = read_small_manifest(path)
        for table in TABLES:
            if not (path / f"{table}.parquet").exists():
                raise store.DatasetError(
                    f"{path}: a table is missing or damaged ({table}.parquet): rebuild it")
        index = _index_path(path)
        if index is not None and not index.exists():
            index = _build_index(path, index)
        con = _connect()
        try:
            report = _open_raw(con, path)
        except (duckdb.Error, OSError, ValueError, schema.SchemaError) as error:
            con.close()
            raise store.DatasetError(
                f"{path}: a table is missing or damaged ({error}): rebuild it") from None
        engine = cls(con=con, path=path, key=(str(path), *stamp), manifest=manifest,
                     report=report)
        if index is None or not engine._attach(index):
            engine._curate(path / store.CURATION_FILE)
            engine._index()
        engine._facts()
        return engine

    def _facts(self) -> None:
        """Note what the queries need to know about the tables (cheap: small tables only)."""
        self.has_duplicates = bool(self.scalar(
            "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"))
        # `entity_days` adds up exactly only when each entity has one type (its label).
        self.entity_days = not self.scalar(
            "SELECT count(*) FROM (SELECT entity_id FROM entity_days GROUP BY entity_id "
            "HAVING count(DISTINCT type) > 1)")

    def _attach(self, index: Path) -> bool:
        """Serve the tables of a stored index (see `_build_index`): an open is a file open.
        Returns False when the file cannot be read (the caller then builds in memory)."""
        con = self.con
        try:
            _do(con, f"ATTACH {_quote(index)} AS idx (READ_ONLY)")
            types = {r[0] for r in con.execute(
                "SELECT type_name FROM duckdb_types() WHERE database_name = 'idx'").fetchall()}
            stored = {r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'idx'").fetchall()}
            # the curation moves (old id → new id) too: links to merged-away entities follow them
            views = [*INDEXED, *([CURATION_MOVES] if CURATION_MOVES in stored else [])]
            for name in views:
                _do(con, f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM idx.{name}")
            problems = con.execute("SELECT problem FROM idx.index_problems "
                                   "ORDER BY k").fetchall()
        except duckdb.Error:
            with contextlib.suppress(duckdb.Error):
                _do(con, "DETACH DATABASE IF EXISTS idx")
            return False
        self._aid = "idx.aid" if "aid" in types else "VARCHAR"
        self.eid = "idx.eid" if "eid" in types else "VARCHAR"
        self.problems = tuple(str(p[0]) for p in problems)
        return True

    @classmethod
    def from_tables(cls, tables: Mapping[str, pd.DataFrame], *,
                    curation: pd.DataFrame | None = None, name: str = "memory") -> Engine:
        """Return an engine over in-memory tables (tests, small exports): same views, same SQL."""
        con = _connect()
        for table in TABLES:
            frame = schema.conform(table, tables[table]) if table in tables else \
                schema.empty(table)
            _load(con, _raw(table), frame)
        report = tables.get("report")
        engine = cls(con=con, path=Path(name), key=(name, float(id(tables)), 0.0),
                     report=report if report is not None else schema.empty("report"))
        engine._apply(curation)
        engine._index()
        engine._facts()
        return engine

    def _curate(self, curation_path: Path) -> None:
        from pipeline.curation import read_curation

        if not curation_path.exists():
            self._apply(None)
            return
        curation, problems = read_curation(curation_path)
        self._apply(curation, problems)

    def _apply(self, curation: pd.DataFrame | None, problems: list[str] | None = None) -> None:
        """Create the `cur_mentions`, `cur_entities`, `aliases`, `quotes` views, curated if
        asked."""
        con = self.con
        if curation is None or curation.empty:
            for table in ("mentions", "entities"):
                _do(con, f"CREATE OR REPLACE VIEW cur_{table} AS SELECT * FROM raw_{table}")
            for table in ("aliases", "quotes"):
                _do(con, f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM raw_{table}")
            self.problems = tuple(problems or ())
            return
        entities = self.sql("SELECT * FROM raw_entities")
        aliases = self.sql("SELECT * FROM raw_aliases")
        ids = sorted(touched(entities, curation))
        mentions = self.sql("SELECT * FROM raw_mentions WHERE list_contains($ids, entity_id)",
                            {"ids": ids})
        sentences = self.sql(
            "SELECT s.* FROM raw_sentences s SEMI JOIN (SELECT DISTINCT article_id, sentence_id "
            "FROM raw_mentions WHERE list_contains($ids, entity_id)) k "
            "USING (article_id, sentence_id)", {"ids": ids})
        articles = self.sql(
            "SELECT article_id, published FROM raw_articles WHERE article_id IN "
            "(SELECT article_id FROM raw_mentions WHERE list_contains($ids, entity_id))",
            {"ids": ids})
        result: CurationTables = curate_subset(mentions, entities, aliases, curation,
                                               sentences=sentences, articles=articles)
        for name, frame in (("cur_map", result.mapping), (CURATION_MOVES, result.moved),
                            ("cur_entities", result.entities), ("aliases", result.aliases)):
            _load(con, name, frame)
        cols = ", ".join(f'm."{c}"' for c in schema.columns("mentions") if c != "entity_id")
        _do(con, f"""CREATE OR REPLACE VIEW cur_mentions AS
            SELECT {cols}, CASE WHEN c.entity_id IS NULL THEN m.entity_id ELSE c.new_id END
                AS entity_id
            FROM raw_mentions m LEFT JOIN cur_map c
                ON m.entity_id = c.entity_id AND m.surface = c.surface
            WHERE c.entity_id IS NULL OR c.new_id IS NOT NULL""")
        qcols = ", ".join(f'q."{c}"' if c != "speaker_id" else
                          "CASE WHEN mv.old_id IS NULL THEN q.speaker_id ELSE mv.new_id END "
                          "AS speaker_id" for c in schema.columns("quotes"))
        _do(con, f"""CREATE OR REPLACE VIEW quotes AS SELECT {qcols}
            FROM raw_quotes q LEFT JOIN cur_moved mv ON q.speaker_id = mv.old_id""")
        self.problems = tuple([*(problems or ()), *result.problems])

    def _index(self) -> None:
        """Copy what queries scan into the engine's own compact tables, once per dataset.

        Article and entity ids become ENUMs (stored as integers, read as text), so the joins
        and groupings over millions of mentions hash integers, not strings; article texts stay
        in the Parquet file (`texts`), read only for the few sentences a page shows.
        """
        con = self.con
        kinds = []
        for name, query in (("aid", "SELECT article_id FROM raw_articles"),
                            ("eid", "SELECT entity_id FROM cur_entities")):
            if self.scalar(f"SELECT count(*) FROM ({query})"):
                _do(con, f"CREATE TYPE {name} AS ENUM ({query} ORDER BY 1)")
                kinds.append(name)
            else:
                kinds.append("VARCHAR")
        aid, eid = kinds
        _do(con, """CREATE OR REPLACE VIEW texts AS
            SELECT article_id, text, boilerplate FROM raw_articles""")
        # Each sentence and mention carries its article's date and whether it is an original
        # (not a near-duplicate copy), and each mention its entity's type: the filters on
        # them need no join. Rows are in date order, so a date range skips row groups.
        _do(con, f"""CREATE OR REPLACE TABLE sentences AS SELECT s.* REPLACE (
                s.article_id::{aid} AS article_id, s.sentence_id::INTEGER AS sentence_id,
                s.start::INTEGER AS start, s."end"::INTEGER AS "end"),
                a.published, a.duplicate_of IS NULL AS original
            FROM raw_sentences s JOIN raw_articles a ON a.article_id = s.article_id
            ORDER BY a.published NULLS LAST, s.article_id, s.sentence_id""")
        _do(con, f"""CREATE OR REPLACE TABLE entities AS SELECT * REPLACE (
                entity_id::{eid} AS entity_id) FROM cur_entities ORDER BY entity_id""")
        labels = "('PER', 'ORG', 'LOC', 'MISC')"
        found = self.sql("SELECT DISTINCT label FROM cur_entities UNION "
                         "SELECT DISTINCT label FROM raw_mentions")["label"].dropna()
        extra = sorted(set(found) - {"PER", "ORG", "LOC", "MISC"})
        if extra:
            labels = "(" + ", ".join(lit(x) for x in ["PER", "ORG", "LOC", "MISC", *extra]) + ")"
        _do(con, f"CREATE TYPE label_t AS ENUM {labels}")
        _do(con, f"""CREATE OR REPLACE TABLE mentions AS SELECT m.* REPLACE (
                m.article_id::{aid} AS article_id, m.sentence_id::INTEGER AS sentence_id,
                m.start::INTEGER AS start, m."end"::INTEGER AS "end",
                m.entity_id::{eid} AS entity_id),
                coalesce(e.label, m.label)::label_t AS type,
                a.published, a.duplicate_of IS NULL AS original
            FROM cur_mentions m JOIN raw_articles a ON a.article_id = m.article_id
            LEFT JOIN cur_entities e ON e.entity_id = m.entity_id
            ORDER BY a.published NULLS LAST, m.article_id, m.start""")
        # Articles, with their number of mentions (the Overview ranks articles by it).
        _do(con, f"""CREATE OR REPLACE TABLE articles AS SELECT a.* EXCLUDE (text, boilerplate)
                REPLACE (a.article_id::{aid} AS article_id),
                coalesce(c.n, 0)::INTEGER AS n_mentions
            FROM raw_articles a LEFT JOIN (SELECT article_id, count(*) AS n FROM mentions
                GROUP BY article_id) c ON c.article_id = a.article_id::{aid}
            ORDER BY a.published NULLS LAST, a.article_id""")
        # Mentions, articles, sentences and their sentiment (each sentence once per entity) per
        # entity, type, day and original/copy: the entity counts and sentiments under date,
        # type and minimum-mention filters read ~0.5M rows here, not 3.7M mentions (an
        # article has one date, so its articles and sentences add up across days).
        _do(con, """CREATE OR REPLACE TABLE entity_days AS SELECT k.entity_id, k.type,
                date_trunc('day', k.published) AS published, k.original,
                sum(k.n)::BIGINT AS n_mentions, count(DISTINCT k.article_id) AS n_articles,
                sum(s.sentiment) AS sentiment_sum, count(s.sentiment) AS sentiment_n,
                count(*) AS n_sentences
            FROM (SELECT entity_id, type, published, original, article_id, sentence_id,
                         count(*) AS n FROM mentions GROUP BY ALL) k
            LEFT JOIN sentences s ON s.article_id = k.article_id
                AND s.sentence_id = k.sentence_id
            GROUP BY ALL ORDER BY published NULLS LAST, entity_id""")
        # Each sentence mentioning an entity, once per entity, with its sentiment, in entity
        # then date order: an entity's sentences (the Entity page's sentiment per article,
        # evidence, counts) are read from its own row groups, without joining the mentions
        # with a million sentences.
        _do(con, """CREATE OR REPLACE TABLE entity_sentences AS SELECT k.entity_id, k.type,
                k.article_id, k.sentence_id, k.published, k.original, s.sentiment
            FROM (SELECT DISTINCT entity_id, type, article_id, sentence_id, published, original
                  FROM mentions) k
            LEFT JOIN sentences s ON s.article_id = k.article_id
                AND s.sentence_id = k.sentence_id
            ORDER BY k.entity_id, k.published NULLS LAST, k.article_id, k.sentence_id""")
        # Mentions per article and type: the Overview's per-article and per-source counts.
        _do(con, """CREATE OR REPLACE TABLE article_types AS SELECT article_id, type,
                count(*) AS n_mentions FROM mentions GROUP BY ALL ORDER BY article_id""")
        # Each sentence's text folded (`fold`: lower case, no accents), what a search scans:
        # folding and cutting every sentence out of its article costs seconds at 100k articles,
        # so it is done once here, not on each new search. Folding never lengthens a text (only
        # accents as separate marks are dropped), so when an article's length is unchanged its
        # characters map one to one and its folded text is cut at the same offsets.
        self._fold_sentences(aid)
        # Events as a table, their article ids cast once: a view casting them on each query
        # cost ~0.07 s per Timeline query at 100k articles (the cast to an ENUM of 100k ids)
        _do(con, f"""CREATE OR REPLACE TABLE events AS SELECT * REPLACE (
                article_id::{aid} AS article_id, sentence_id::INTEGER AS sentence_id)
            FROM raw_events ORDER BY article_id, start""")
        self._aid = aid
        self.eid = eid

    def _fold_sentences(self, aid: str) -> None:
        """Make the `folded` table (article_id, sentence_id, text), FOLD_BATCH articles at a time
        in publication order (the articles' row groups), so the texts held at once stay
        bounded however large the corpus (all at once ran out of memory at 300k articles)."""
        con, batch = self.con, FOLD_BATCH
        _do(con, """CREATE OR REPLACE TEMP TABLE fold_spans AS
            SELECT article_id, list(sentence_id::INTEGER ORDER BY sentence_id) AS ids,
                list(start::INTEGER ORDER BY sentence_id) AS starts,
                list("end"::INTEGER ORDER BY sentence_id) AS ends
            FROM raw_sentences GROUP BY article_id""")
        _do(con, f"CREATE OR REPLACE TABLE folded (article_id {aid}, sentence_id INTEGER, "
                 "text VARCHAR)")
        cuts = self.sql(f"""SELECT DISTINCT published FROM (SELECT published,
                row_number() OVER (ORDER BY published) AS k FROM raw_articles
                WHERE published IS NOT NULL) WHERE (k - 1) % {int(batch)} = 0 ORDER BY 1""")
        bounds = [lit(t) for t in cuts["published"]]
        ranges = [f"published >= {lo} AND published < {hi}" for lo, hi in pairwise(bounds)]
        if bounds:
            ranges.append(f"published >= {bounds[-1]}")
        for where in [*ranges, "published IS NULL"]:
            _do(con, f"""INSERT INTO folded
                WITH cut AS (SELECT k.article_id, k.ids,
                        CASE WHEN length(a.folded) = length(a.text)
                        THEN list_transform(generate_series(1, len(k.ids)), lambda i: substring(
                            a.folded, k.starts[i] + 1, k.ends[i] - k.starts[i]))
                        ELSE list_transform(generate_series(1, len(k.ids)), lambda i: fold(
                            substring(a.text, k.starts[i] + 1, k.ends[i] - k.starts[i])))
                        END AS texts
                    FROM (SELECT article_id, text, fold(text) AS folded FROM raw_articles
                          WHERE {where}) a
                    JOIN fold_spans k ON k.article_id = a.article_id)
                SELECT article_id::{aid}, unnest(ids), unnest(texts) FROM cut""")
        _do(con, "DROP TABLE fold_spans")

    @property
    def aid(self) -> str:
        """The SQL type of article ids in the engine's tables (an ENUM, or VARCHAR if none)."""
        return self._aid

    # -- querying --------------------------------------------------------------------------

    def sql(self, query: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run `query` on a fresh cursor (thread-safe) and return the result as a DataFrame
        (ids come back as text)."""
        cursor = self.con.cursor()
        try:
            if params:
                return cursor.execute(query, dict(params)).df()
            rel = cursor.sql(query)
            if rel is None:
                return pd.DataFrame()
            types = [t.id for t in rel.types]
            if "enum" not in types:
                return rel.df()
            # Binding is cheap; the ids are cast in SQL text run with `execute` (a relation's
            # `project` made the same query 5-10x slower at 100k articles).
            cols = ", ".join(f'"{c}"::VARCHAR AS "{c}"' if t == "enum" else f'"{c}"'
                             for c, t in zip(rel.columns, types, strict=True))
            return cursor.execute(f"SELECT {cols} FROM ({query}\n)").df()
        finally:
            cursor.close()

    def scalar(self, query: str, params: Mapping[str, Any] | None = None) -> Any:
        """Return the first value of the first row of `query`."""
        cursor = self.con.cursor()
        try:
            row = cursor.execute(query, dict(params or {})).fetchone()
        finally:
            cursor.close()
        return None if row is None else row[0]

    def search_table(self, needle: str, condition: str) -> str:
        """Return the name of a table of the sentences (article_id, sentence_id) whose folded
        text (`text` of the `folded` table: lower case, no accents) meets `condition` (SQL,
        `revue_app.search`'s words, phrases, prefixes and OR), over the whole dataset; `needle`
        names the search.

        Made once per needle and kept for the next clicks (the last `MAX_SEARCHES` needles):
        a search scans every sentence's text, the other filters then only join with it.
        """
        with self._lock:
            if needle in self._searches:
                self._searches.move_to_end(needle)
                return self._searches[needle]
            name = f"search_{len(self._searches)}_{abs(hash(needle)) % 10**12}"
            _do(self.con, f"""CREATE OR REPLACE TABLE {name} AS
                SELECT article_id, sentence_id FROM folded WHERE {condition}""")
            self._searches[needle] = name
            while len(self._searches) > MAX_SEARCHES:
                _, old = self._searches.popitem(last=False)
                _do(self.con, f"DROP TABLE IF EXISTS {old}")
            return name

    def close(self) -> None:
        self.con.close()


def _open_raw(con: duckdb.DuckDBPyConnection, path: Path) -> pd.DataFrame:
    """Create the `raw_*` views over the dataset's Parquet files; return its build report.
    A damaged file fails here, with a message, not on a click."""
    for table in TABLES:
        _do(con, f"CREATE OR REPLACE VIEW {_raw(table)} AS SELECT * FROM "
                 f"read_parquet({_quote(path / f'{table}.parquet')})")
    report = pd.read_csv(path / store.REPORT_FILE, dtype="str", keep_default_na=False)
    report = schema.conform("report", report)
    for table in TABLES:
        _do(con, f"DESCRIBE SELECT * FROM {_raw(table)}")
    return report


def _index_path(path: Path) -> Path | None:
    """Return where the engine's tables for this version of the dataset are stored: a name
    made from the files' sizes and times (and the curation file's), so a rebuild or a curation
    edit gets a new index. None when the dataset's files cannot be read."""
    import hashlib

    parts = [str(INDEX_FORMAT), str(path.resolve())]
    names = [f"{t}.parquet" for t in TABLES] + [store.MANIFEST_FILE, store.REPORT_FILE,
                                                 store.CURATION_FILE]
    for name in names:
        try:
            info = (path / name).stat()
        except FileNotFoundError:
            parts.append(f"{name}:-")
            continue
        except OSError:
            return None
        parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]
    return path / INDEX_DIR / f"{digest}.duckdb"


def _build_index(path: Path, index: Path) -> Path | None:
    """Build the engine's tables (curation applied) into a DuckDB file at `index`, once per
    dataset version, and return it; None when it cannot be written (a read-only dataset: the
    engine then builds them in memory on each open, as before).

    Why: the compact tables take seconds to make at 100k articles; stored, opening the dataset
    is a file open, and the tables are read from disk as queries need them, not held in RAM.
    Written under a temporary name and renamed, so a concurrent open never sees half a file.
    """
    import os

    tmp = index.with_name(f"{index.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        index.parent.mkdir(exist_ok=True)
        con = _connect(str(tmp))
        try:
            _open_raw(con, path.resolve())  # the views in the file: from any directory
            engine = Engine(con=con, path=path, key=(str(path), 0.0, 0.0))
            engine._curate(path / store.CURATION_FILE)
            engine._index()
            _load(con, "index_problems", pd.DataFrame({
                "k": pd.Series(range(len(engine.problems)), dtype="int64"),
                "problem": pd.Series(list(engine.problems), dtype="str")}))
            for name in ("aliases", "quotes"):  # curated views: stored as tables
                kind = engine.scalar("SELECT table_type FROM information_schema.tables "
                                     f"WHERE table_schema = 'main' AND table_name = '{name}'")
                if kind == "VIEW":
                    _do(con, f"CREATE TABLE {name}_t AS SELECT * FROM {name}")
                    _do(con, f"DROP VIEW {name}")
                    _do(con, f"ALTER TABLE {name}_t RENAME TO {name}")
            _do(con, "CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, index)
        for old in index.parent.glob("*.duckdb"):
            if old != index:
                old.unlink(missing_ok=True)
    except (duckdb.Error, OSError, ValueError, schema.SchemaError, store.DatasetError):
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        return None
    return index


def lit(value: Any) -> str:
    """Return `value` as a SQL literal (strings quoted, lists as lists, timestamps to the
    microsecond): filters come from the URL, so nothing is pasted into SQL unquoted."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(float(value)) if isinstance(value, float | np.floating) else str(int(value))
    if isinstance(value, datetime | pd.Timestamp):
        return f"TIMESTAMP '{pd.Timestamp(value).isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"TIMESTAMP '{value:%Y-%m-%d} 00:00:00'"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return "[" + ", ".join(lit(v) for v in items) + "]::VARCHAR[]" if not items else \
            "[" + ", ".join(lit(v) for v in items) + "]"
    text = str(value).replace("\x00", "")
    return "'" + text.replace("'", "''") + "'"


def _do(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    """Run a statement to completion (DuckDB refuses new work while a result is pending)."""
    con.execute(statement).fetchall()


def _load(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Copy a (small) frame into a table of the engine's database."""
    cursor = con.cursor()
    try:
        cursor.register("_frame", frame)
        cursor.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _frame").fetchall()
        cursor.unregister("_frame")
    finally:
        cursor.close()


def _connect(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database, config={"memory_limit": MEMORY_LIMIT, "threads": 2})
    _do(con, "SET enable_object_cache = true")  # Parquet footers read once
    _do(con, "SET preserve_insertion_order = false")
    # Two optimizer passes cost more than the queries they improve here: each reference to a
    # CTE of `queries.scope` (fa, fs, fm, fe) copies and compares plans carrying the ENUM
    # types of 100k article ids, ~0.1-0.4 s per query at 100k articles against ~0.05-0.2 s
    # of execution. Results are the same without them.
    _do(con, "SET GLOBAL disabled_optimizers = 'common_subplan,cte_inlining'")
    _do(con, "CREATE MACRO fold(x) AS strip_accents(lower(x))")
    return con


# ---------------------------------------------------------------------------------------------
# A process-wide cache of small results, bounded in bytes


def size_of(value: Any) -> int:
    """Return an estimate of the memory held by a cached result, in bytes."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=True).sum()) + 1000
    if isinstance(value, pd.Series):
        return int(value.memory_usage(index=True, deep=True)) + 500
    if isinstance(value, tuple | list):
        return sum(size_of(v) for v in value) + 100
    if isinstance(value, dict):
        return sum(size_of(k) + size_of(v) for k, v in value.items()) + 200
    return sys.getsizeof(value)


class ResultCache:
    """A least-recently-used map bounded by the total size of its values (thread-safe).

    A value bigger than a quarter of the budget is returned but not kept: caching is for the
    small frames pages draw, never for anything that grows with the corpus.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key][0]
            self.misses += 1
        value = compute()
        size = size_of(value)
        if size > self.max_bytes // 4:
            return value
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, size)
                self.bytes += size
            while self.bytes > self.max_bytes and self._items:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


# 64 MB: full after ~15 new filter states at 100k articles (a per-article frame is ~4 MB), so
# the server's memory levels off early instead of climbing for 70 clicks (bench/app.py).
CACHE = ResultCache(max_bytes=64 * 1024 * 1024)


def _freeze(value: Any) -> Hashable:
    """Return a hashable stand-in for an argument (dicts and lists become sorted tuples)."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(str(v) for v in value))
    return cast(Hashable, value)


def cached(engine: Engine, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Return `fn(engine, *args, **kwargs)`, from the process-wide cache when already computed
    for this dataset version and these arguments (results are read-only by convention)."""
    key = (engine.key, f"{fn.__module__}.{fn.__qualname__}", _freeze(args),
           _freeze(kwargs))
    return CACHE.get_or_compute(key, lambda: fn(engine, *args, **kwargs))
