"""Queries: what the pages draw, computed by the engine (DuckDB) from the filters.

Every query takes the dataset's `Engine` and the sidebar's `Filters`; the filters become SQL
(`scope`), the work runs in the engine and each function returns a small frame (what the page
shows). No Streamlit here, so pages stay thin and everything is unit-tested on hand-built tables
(`Engine.from_tables`). Pure helpers (weights, time steps, highlighting) stay in Python.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from revue_app import search
from revue_app.engine import Engine, lit
from revue_app.engine import cached as engine_cached
from revue_app.vocab import LABELS as LABELS  # re-exported: filters.py and tests use q.LABELS
from revue_app.vocab import TYPE_COLOURS, Freq
from revue_app.vocab import sentiment_word as sentiment_word  # re-exported for the pages

Window = Literal["sentence", "article"]
Weight = Literal["count", "pmi", "npmi", "jaccard"]

UNKNOWN_SOURCE = "(unknown source)"
SENTENCE_KEYS = ["article_id", "sentence_id"]
# Below these, PMI-style weights are dominated by chance: the Network page says so.
MIN_UNITS_FOR_PMI = 30
MIN_SUPPORT_FOR_PMI = 3
# The word cloud counts the words of at most this many sentences (a fixed random sample
# beyond), so it costs the same at 100 or 100,000 articles.
WORD_SAMPLE = 20_000


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices. Empty tuples and None mean "no restriction".

    `duplicates`: also count near-duplicate copies (`articles.duplicate_of` set); by default
    only originals are counted.
    """

    date_from: date | None = None
    date_to: date | None = None
    labels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    min_mentions: int = 1
    search: str = ""
    duplicates: bool = False

    def is_default(self) -> bool:
        """True when nothing is filtered out."""
        return self == Filters()

    def active(self) -> list[str]:
        """Return the names of the filters that restrict the view, to suggest which to relax."""
        names = []
        if self.date_from or self.date_to:
            names.append("date range")
        if self.labels:
            names.append("entity types")
        if self.sources:
            names.append("sources")
        if self.articles:
            names.append("articles")
        if self.min_mentions > 1:
            names.append("minimum mentions")
        if self.search.strip():
            names.append("search")
        return names


# ---------------------------------------------------------------------------------------------
# Text helpers


def fold(text: str) -> str:
    """Return `text` lower-cased without accents, so a search for "societe" finds "Société"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def source_names(articles: pd.DataFrame) -> pd.Series:
    """Return each article's source, with a readable name for the unknown ones."""
    return articles["source"].fillna(UNKNOWN_SOURCE).astype("str")


def article_label(articles: pd.DataFrame) -> pd.Series:
    """Return a short human label per article: date · title (falls back to the origin)."""
    title = articles["title"].fillna(articles["origin"]).astype("str")
    day = articles["published"].dt.strftime("%Y-%m-%d").fillna("undated")
    short = title.where(title.str.len() <= 90, title.str.slice(0, 89) + "…")
    return (day + " · " + short).astype("str")


# ---------------------------------------------------------------------------------------------
# Filters → SQL


def unrestricted(db: Engine, f: Filters) -> bool:
    """True when the filters keep every row, so stored totals can be used as they are."""
    base = Filters(duplicates=f.duplicates)
    return f == base and (f.duplicates or not db.has_duplicates)


def scope(db: Engine, f: Filters) -> str:
    """Return a WITH clause defining the view through the filters, as four relations:

    fa (articles), fs (sentences), fm (mentions, plus `type`: the entity's label, else the
    mention's own) and fe (entities with counts for the view; sentiment only when unfiltered).
    Articles are kept by date, source, id and duplicate status; the search keeps the sentences
    containing the text (case and accents ignored) and the articles that have one; mentions
    are kept by entity type and the minimum number of mentions in the view.
    """
    preds = []
    if f.date_from is not None:
        preds.append(f"published >= {lit(f.date_from)}")
    if f.date_to is not None:
        preds.append(f"published < {lit(f.date_to)} + INTERVAL 1 DAY")
    if f.sources:
        preds.append(f"list_contains({lit(list(f.sources))}, "
                     f"coalesce(source, {lit(UNKNOWN_SOURCE)}))")
    if f.articles:
        preds.append(_in("article_id", f.articles))
    if not f.duplicates and db.has_duplicates:
        preds.append("duplicate_of IS NULL")
    query = search.parse(f.search.strip())  # words, "phrases", prefix*, OR (revue_app.search)
    where = f" WHERE {' AND '.join(preds)}" if preds else ""
    # Dates and duplicates are columns of the engine's sentences and mentions (sorted by
    # date): a date range reads only its row groups, without a join. Few CTE levels: DuckDB
    # binds each reference to a CTE again, and deep chains make planning slow.
    own = [p.replace("duplicate_of IS NULL", "original") for p in preds
           if p.startswith(("published", "duplicate_of"))]
    joined = len(own) < len(preds)  # sources or articles: join with the kept articles
    local = f" WHERE {' AND '.join(own)}" if own else ""
    lazy = "AS NOT MATERIALIZED"
    if query:
        # the sentences matching the query, over the whole dataset, made once per query
        found = db.search_table(query.describe(), search_condition(query))
        ctes = [f"fa0 {lazy} (SELECT * FROM articles{where})",
                f"fs AS MATERIALIZED (SELECT s.* FROM sentences s SEMI JOIN {found} k "
                "USING (article_id, sentence_id) SEMI JOIN fa0 USING (article_id))",
                f"fa {lazy} (SELECT * FROM fa0 SEMI JOIN (SELECT DISTINCT article_id "
                "FROM fs) k USING (article_id))"]
        source = "mentions m SEMI JOIN fs USING (article_id, sentence_id)"
        conditions = []
    else:
        semi = " SEMI JOIN fa USING (article_id)" if joined else ""
        ctes = [f"fa {lazy} (SELECT * FROM articles{where})",
                f"fs {lazy} (SELECT * FROM sentences{semi}{local})"]
        source = f"mentions m{semi}"
        conditions = list(own)
    if f.labels:
        conditions.append(_in("m.type", f.labels))
    typed = f"SELECT m.* FROM {source}" + (
        f" WHERE {' AND '.join(conditions)}" if conditions else "")
    if f.min_mentions > 1:
        ctes.append(f"fm0 {lazy} ({typed})")
        ctes.append(f"fm {lazy} (SELECT * FROM fm0 WHERE entity_id IN (SELECT entity_id "
                    f"FROM fm0 GROUP BY entity_id HAVING count(*) >= {int(f.min_mentions)}))")
    else:
        ctes.append(f"fm {lazy} ({typed})")
    if unrestricted(db, f):
        ctes.append(f"fe {lazy} (SELECT entity_id, name, label, aliases, n_mentions, "
                    "n_articles, sentiment, first_seen, last_seen FROM entities)")
    else:
        # Only date, duplicate, type and minimum-mention filters: the per-day counts
        # (`Engine._index`) add up to the same numbers from far fewer rows.
        counts = _day_counts(db, f) or (
            "SELECT entity_id, count(*) AS n_mentions, count(DISTINCT article_id) "
            "AS n_articles FROM fm GROUP BY entity_id")
        ctes.append(f"""fe {lazy} (SELECT e.entity_id, e.name, e.label, e.aliases,
            c.n_mentions, c.n_articles, CAST(NULL AS DOUBLE) AS sentiment, e.first_seen,
            e.last_seen
            FROM ({counts}) c
            JOIN entities e ON e.entity_id = c.entity_id)""")
    return "WITH " + ",\n".join(ctes) + "\n"


def search_condition(query: search.Query, column: str = "text") -> str:
    """Return the SQL condition of `query` on a folded sentence text (`Engine`'s `folded`
    table): each term's longest word must occur as it is (a cheap scan) before the regular
    expressions decide, so a search costs a substring test on most sentences."""
    needed = []
    for clause in query.clauses:
        words = {max(term.words, key=len) for term in clause}
        needed.append("(" + " OR ".join(f"contains({column}, {lit(w)})"
                                        for w in sorted(words)) + ")")
    return "(" + " AND ".join(needed) + f" AND {search.sql_condition(query, column)})"


def _day_conditions(db: Engine, f: Filters) -> list[str]:
    """The view's dates, originals and types as conditions on the per-day and per-sentence
    tables (`entity_days`, `entity_sentences`), which carry those columns."""
    kept = []
    if f.date_from is not None:
        kept.append(f"published >= {lit(f.date_from)}")
    if f.date_to is not None:
        kept.append(f"published < {lit(f.date_to)} + INTERVAL 1 DAY")
    if not f.duplicates and db.has_duplicates:
        kept.append("original")
    if f.labels:
        kept.append(_in("type", f.labels))
    return kept


def _day_counts(db: Engine, f: Filters) -> str | None:
    """Return a query of the view's entities with n_mentions, n_articles, n_sentences and
    sentiment from the engine's per-day table, or None when a filter needs the mentions
    themselves (search, sources, articles) or an entity has several types (the sums would not
    be exact)."""
    if not db.entity_days or fold(f.search.strip()) or f.sources or f.articles:
        return None
    kept = _day_conditions(db, f)
    having = f" HAVING sum(n_mentions) >= {int(f.min_mentions)}" if f.min_mentions > 1 else ""
    return ("SELECT entity_id, sum(n_mentions)::BIGINT AS n_mentions, "
            "sum(n_articles)::BIGINT AS n_articles, sum(n_sentences)::BIGINT AS n_sentences, "
            "sum(sentiment_sum) / nullif(sum(sentiment_n), 0) AS sentiment FROM entity_days"
            + (f" WHERE {' AND '.join(kept)}" if kept else "") + f" GROUP BY entity_id{having}")


def _mention_types(f: Filters) -> str | None:
    """Return a query of the view's mentions per article and type (article_id, type,
    n_mentions; to join with fa) from the engine's per-article table, or None when the
    minimum-mention filter or a search needs the mentions themselves."""
    if f.min_mentions > 1 or fold(f.search.strip()):
        return None
    where = f" WHERE {_in('type', f.labels)}" if f.labels else ""
    return f"SELECT article_id, type, n_mentions FROM article_types{where}"


def run(db: Engine, f: Filters, query: str) -> pd.DataFrame:
    """Run `query` (which may use fa, fs, fm, fe) over the filtered view."""
    return db.sql(scope(db, f) + query)


def _ids(values: Iterable[str]) -> str:
    return lit([str(v) for v in dict.fromkeys(values)])


def _in(column: str, values: Iterable[str]) -> str:
    """Return `column IN ('a', 'b')`: literals, so the engine compares ids as integers."""
    items = [lit(str(v)) for v in dict.fromkeys(values)]
    return f"{column} IN ({', '.join(items)})" if items else "FALSE"


def _seq(value: Any) -> list[Any]:
    """Return a list cell from the engine as a list (a missing one as [])."""
    if isinstance(value, list | tuple | np.ndarray):
        return list(value)
    return []


def _int64(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    return frame.astype({c: "int64" for c in cols})


def _str(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        out[c] = out[c].astype("str").where(out[c].notna())
    return out


# ---------------------------------------------------------------------------------------------
# The view's tables, small ones only


ENTITY_COLS = ["entity_id", "name", "label", "aliases", "n_mentions", "n_articles", "sentiment",
               "first_seen", "last_seen"]


def view_entities(db: Engine, f: Filters, *, limit: int | None = None) -> pd.DataFrame:
    """Return the entities in the view with their counts in it, most mentioned first (ties: by
    name). `sentiment` is filled only when nothing is filtered (see `entity_sentiments`)."""
    cap = f" LIMIT {int(limit)}" if limit is not None else ""
    out = run(db, f, f"SELECT * FROM fe ORDER BY n_mentions DESC, name, entity_id{cap}")
    out = _str(_int64(out, "n_mentions", "n_articles"), "entity_id", "name", "label", "aliases")
    out["sentiment"] = out["sentiment"].astype("float64")
    return out[ENTITY_COLS].reset_index(drop=True)


def entity_sentiments(db: Engine, f: Filters, entity_ids: Iterable[str]) -> dict[str, float]:
    """Return the mean sentiment of the view's sentences mentioning each entity (each sentence
    once per entity); entities without a scored sentence are left out."""
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return {}
    days = _day_counts(db, f)
    if days is not None:
        out = db.sql(f"SELECT entity_id, sentiment FROM ({days}) WHERE {_in('entity_id', ids)} "
                     "AND sentiment IS NOT NULL")
        return {str(e): float(v) for e, v in zip(out["entity_id"], out["sentiment"], strict=True)}
    out = run(db, f, f"""SELECT k.entity_id, avg(s.sentiment) AS sentiment
        FROM (SELECT DISTINCT entity_id, article_id, sentence_id FROM fm
              WHERE {_in("entity_id", ids)}) k
        JOIN fs s ON s.article_id = k.article_id AND s.sentence_id = k.sentence_id
        WHERE s.sentiment IS NOT NULL GROUP BY k.entity_id""")
    return {str(e): float(v) for e, v in zip(out["entity_id"], out["sentiment"], strict=True)}


def with_sentiment(db: Engine, f: Filters, entities: pd.DataFrame) -> pd.DataFrame:
    """Return `entities` (from `view_entities`) with `sentiment` computed for the view."""
    if unrestricted(db, f) or entities.empty:
        return entities
    scores = entity_sentiments(db, f, entities["entity_id"])
    return entities.assign(sentiment=entities["entity_id"].map(scores).astype("float64"))


def entity_info(db: Engine, f: Filters, entity_id: str) -> dict[str, Any] | None:
    """Return one entity's row in the view (counts and sentiment for the view), or None."""
    out = run(db, f, f"SELECT * FROM fe WHERE entity_id = {lit(entity_id)}")
    if out.empty:
        return None
    row = with_sentiment(db, f, _int64(out, "n_mentions", "n_articles")).iloc[0]
    return {c: row[c] for c in ENTITY_COLS}


def entity_directory(db: Engine) -> pd.DataFrame:
    """Return every entity's id, name and label (curated): the names pages show."""
    return _str(db.sql("SELECT entity_id, name, label FROM entities ORDER BY entity_id"),
                "entity_id", "name", "label")


def aliases_of(db: Engine, entity_id: str) -> pd.DataFrame:
    """Return the forms merged into an entity (whatever the filters), most frequent first."""
    return db.sql(f"""SELECT surface, n_mentions, rule FROM aliases
        WHERE entity_id = {lit(entity_id)} ORDER BY n_mentions DESC, surface""")


def sidebar_facts(db: Engine, *, max_articles: int = 2000) -> dict[str, Any]:
    """Return what the sidebar offers: date bounds, undated count, sources, and the articles
    to pick from (id → label, by date; the `max_articles` most recent when there are more)."""
    row = db.sql("SELECT min(published) AS first, max(published) AS last, "
                 "count(*) FILTER (WHERE published IS NULL) AS undated, count(*) AS n "
                 "FROM articles").iloc[0]
    sources = db.sql(f"SELECT DISTINCT coalesce(source, {lit(UNKNOWN_SOURCE)}) AS source "
                     "FROM articles ORDER BY source")["source"].astype("str").tolist()
    n = int(row["n"])
    picked = db.sql(f"""SELECT * FROM (SELECT article_id, title, origin, published
        FROM articles ORDER BY published DESC NULLS LAST, title LIMIT {int(max_articles)})
        ORDER BY published NULLS LAST, title""")
    labels = dict(zip(picked["article_id"].astype("str"), article_label(picked), strict=True))
    return {"first": None if pd.isna(row["first"]) else pd.Timestamp(row["first"]).date(),
            "last": None if pd.isna(row["last"]) else pd.Timestamp(row["last"]).date(),
            "undated": int(row["undated"]), "n_articles": n, "sources": sources,
            "articles": labels}


def article_labels(db: Engine, article_ids: Iterable[str]) -> dict[str, str]:
    """Return the label (date · title) of the given articles."""
    ids = list(dict.fromkeys(article_ids))
    if not ids:
        return {}
    out = db.sql(f"SELECT article_id, title, origin, published FROM articles "
                 f"WHERE {_in('article_id', ids)}")
    return dict(zip(out["article_id"].astype("str"), article_label(out), strict=True))


def view_articles(db: Engine, f: Filters, *, limit: int = 1000) -> tuple[pd.DataFrame, int]:
    """Return the view's articles to choose from (id, label; by date, then title; the `limit`
    most recent when there are more) and how many there are in all."""
    total = int(run(db, f, "SELECT count(*) AS n FROM fa").iloc[0]["n"])
    out = run(db, f, f"""SELECT * FROM (SELECT article_id, title, origin, published FROM fa
        ORDER BY published DESC NULLS LAST, title LIMIT {int(limit)})
        ORDER BY published NULLS LAST, title""")
    out = out.assign(label=article_label(out))[["article_id", "label"]]
    return _str(out, "article_id", "label"), total


def in_view(db: Engine, f: Filters, article_id: str) -> bool:
    """True when the article is in the view."""
    return bool(len(run(db, f, f"SELECT 1 FROM fa WHERE article_id = {lit(article_id)}")))


def article(db: Engine, article_id: str) -> dict[str, Any] | None:
    """Return one article's row (whatever the filters), or None."""
    out = db.sql(f"""SELECT a.*, t.text, t.boilerplate FROM articles a JOIN texts t
        ON t.article_id = a.article_id::VARCHAR
        WHERE a.article_id = {lit(article_id)} AND t.article_id = {lit(article_id)}""")
    return None if out.empty else out.iloc[0].to_dict()


def article_table(db: Engine, table: str, article_id: str) -> pd.DataFrame:
    """Return one article's rows of a table (sentences with their text, mentions, quotes,
    events), in text order, whatever the filters."""
    where = f"WHERE x.article_id = {lit(article_id)}"
    if table == "sentences":
        return db.sql(f"""SELECT x.*, substring(a.text, x.start + 1, x."end" - x.start) AS text
            FROM sentences x JOIN texts a ON a.article_id = x.article_id::VARCHAR {where}
            AND a.article_id = {lit(article_id)}
            ORDER BY x.sentence_id""")
    if table not in ("mentions", "quotes", "events"):
        raise ValueError(f"not a per-article table: {table}")
    return db.sql(f"SELECT * FROM {table} x {where} ORDER BY x.start")


def article_entities(db: Engine, article_id: str) -> pd.DataFrame:
    """Return the entities of one article: entity_id, name, type, mentions, written_as."""
    out = db.sql(f"""SELECT m.entity_id, any_value(e.name) AS name,
            any_value(coalesce(e.label, m.label)) AS type, count(*) AS mentions,
            list(m.surface ORDER BY m.start) AS forms
        FROM mentions m LEFT JOIN entities e ON e.entity_id = m.entity_id
        WHERE m.article_id = {lit(article_id)} GROUP BY m.entity_id""")
    out["written_as"] = ["; ".join(dict.fromkeys(forms)) for forms in out["forms"]]
    out["name"] = out["name"].fillna(out["entity_id"])
    out = out.sort_values(["mentions", "name"], ascending=[False, True], ignore_index=True)
    return _int64(out, "mentions")[["entity_id", "name", "type", "mentions", "written_as"]]


def table_counts(db: Engine, f: Filters | None) -> dict[str, int]:
    """Return the number of rows of each table, in the view (or whole, when `f` is None)."""
    if f is None:
        names = ("articles", "sentences", "mentions", "entities", "aliases", "events", "quotes")
        return {t: int(db.scalar(f"SELECT count(*) FROM {t}")) for t in names}
    parts = {
        "articles": "fa", "sentences": "fs", "mentions": "fm", "entities": "fe",
        "aliases": "aliases WHERE entity_id IN (SELECT entity_id FROM fe)",
        "events": "events SEMI JOIN fs USING (article_id, sentence_id)",
        "quotes": "quotes SEMI JOIN fs USING (article_id, sentence_id)",
    }
    row = {k: run(db, f, f"SELECT count(*) AS n FROM {v}").iloc[0]["n"]
           for k, v in parts.items()}
    return {k: int(v) for k, v in row.items()}


def export_table(db: Engine, f: Filters | None, table: str) -> pd.DataFrame:
    """Return a whole table, in the view or not (`f` None): for downloads, never cached."""
    articles = ("SELECT a.*, t.text, t.boilerplate FROM {} a JOIN texts t "
                "ON t.article_id = a.article_id::VARCHAR")
    if f is None:
        if table == "articles":
            return _schema_order("articles", db.sql(articles.format("articles")))
        return db.sql(f"SELECT * FROM {table}")
    query = {
        "articles": articles.format("fa"),
        "sentences": "SELECT * FROM fs",
        "mentions": "SELECT * FROM fm",
        "entities": "SELECT * FROM fe ORDER BY n_mentions DESC, name",
        "aliases": "SELECT * FROM aliases WHERE entity_id IN (SELECT entity_id FROM fe)",
        "events": "SELECT * FROM events SEMI JOIN fs USING (article_id, sentence_id)",
        "quotes": "SELECT * FROM quotes SEMI JOIN fs USING (article_id, sentence_id)",
    }[table]
    out = run(db, f, query)
    if table == "entities":
        out = with_sentiment(db, f, out)
    return _schema_order(table, out)


def _schema_order(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with the table's columns in the schema's order (for downloads)."""
    from pipeline import schema

    return frame[[c for c in schema.columns(table) if c in frame.columns]]


# ---------------------------------------------------------------------------------------------
# Counts


def top_entities(
    db: Engine, f: Filters, *, n: int = 10, labels: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return the `n` most mentioned entities of each label (all labels when `labels` is None)."""
    where = f"WHERE list_contains({lit(list(labels))}, label)" if labels else ""
    out = run(db, f, f"""SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY label
            ORDER BY n_mentions DESC, name, entity_id) AS rank FROM fe {where})
        WHERE rank <= {int(n)} ORDER BY n_mentions DESC, name, entity_id""")
    cols = ["entity_id", "name", "label", "n_mentions", "n_articles", "sentiment"]
    out = _str(_int64(out, "n_mentions", "n_articles"), "entity_id", "name", "label")
    out["sentiment"] = out["sentiment"].astype("float64")
    return with_sentiment(db, f, out[cols].reset_index(drop=True))


def default_timeline_entities(entities: pd.DataFrame, *, n: int = 5) -> list[str]:
    """Return the ids of the `n` most mentioned entities, any type (ties: by name)."""
    ranked = entities.sort_values(["n_mentions", "name"], ascending=[False, True])
    return ranked["entity_id"].head(n).astype("str").tolist()


def mention_counts_by_article(
    db: Engine, f: Filters, *, limit: int | None = None
) -> tuple[pd.DataFrame, int]:
    """Return mentions per article and entity type (long form), articles in date order, and
    the number of articles with a mention. With `limit`, only the articles with the most
    mentions. A mention counts under its entity's type rather than its NER label."""
    typed = _mention_types(f)
    if typed is not None and f.labels:  # the per-article table, restricted to the types
        kept = f"(SELECT t.* FROM ({typed}) t SEMI JOIN fa USING (article_id))"
        total = int(run(db, f, f"SELECT count(DISTINCT article_id) AS n FROM {kept}")
                    .iloc[0]["n"])
        chosen = f"(SELECT article_id FROM {kept} GROUP BY article_id ORDER BY " \
                 f"sum(n_mentions) DESC, article_id LIMIT {int(limit)})" \
            if limit is not None else None
    elif typed is None:
        total = int(run(db, f, "SELECT count(DISTINCT article_id) AS n FROM fm")
                    .iloc[0]["n"])
        chosen = "(SELECT article_id FROM fm GROUP BY article_id ORDER BY count(*) DESC, " \
                 f"article_id LIMIT {int(limit)})" if limit is not None else None
    else:  # every mention of a kept article is in the view: use its stored count
        total = int(run(db, f, "SELECT count(*) AS n FROM fa WHERE n_mentions > 0")
                    .iloc[0]["n"])
        chosen = "(SELECT article_id FROM fa WHERE n_mentions > 0 ORDER BY n_mentions DESC, " \
                 f"article_id LIMIT {int(limit)})" if limit is not None else None
    restrict = f"WHERE article_id IN {chosen}" if chosen else ""
    grouped = f"SELECT article_id, type, n_mentions FROM ({typed}) t {restrict}" \
        if typed is not None else \
        f"SELECT article_id, type, count(*) AS n_mentions FROM fm {restrict} GROUP BY ALL"
    counts = run(db, f, f"""SELECT c.article_id, c.type AS label, c.n_mentions, a.title,
            a.origin, a.published, coalesce(a.source, {lit(UNKNOWN_SOURCE)}) AS source
        FROM ({grouped}) c JOIN fa a ON a.article_id = c.article_id""")
    counts["article"] = article_label(counts)
    out = counts.sort_values(["published", "article", "label"], na_position="last",
                             ignore_index=True)
    out = _str(_int64(out, "n_mentions"), "article_id", "article", "title", "source", "label")
    return out[["article_id", "article", "title", "source", "published", "label",
                "n_mentions"]], total


def mention_counts_by_source(db: Engine, f: Filters) -> pd.DataFrame:
    """Return mentions per source and entity type, with the number of articles of each source."""
    src = f"coalesce(a.source, {lit(UNKNOWN_SOURCE)})"
    typed = _mention_types(f)
    mentions = f"({typed})" if typed is not None else \
        "(SELECT article_id, type, 1 AS n_mentions FROM fm)"
    out = run(db, f, f"""SELECT c.source, c.label, c.n_mentions, n.n_articles FROM
        (SELECT {src} AS source, m.type AS label, sum(m.n_mentions)::BIGINT AS n_mentions
         FROM {mentions} m JOIN fa a ON a.article_id = m.article_id GROUP BY ALL) c
        JOIN (SELECT {src} AS source, count(*) AS n_articles FROM fa a GROUP BY ALL) n
        ON n.source = c.source ORDER BY c.n_mentions DESC, c.source, c.label""")
    return _str(_int64(out, "n_mentions", "n_articles"), "source", "label")


def corpus_counts(db: Engine, f: Filters) -> dict[str, object]:
    """Return the headline numbers of the view: articles, sentences, mentions, entities, dates."""
    # One small query per relation: DuckDB plans one query with many subqueries slowly.
    row = run(db, f, "SELECT count(*) AS articles, min(published) AS first, max(published) "
                     "AS last, count(*) FILTER (WHERE published IS NULL) AS undated "
                     "FROM fa").iloc[0].to_dict()
    row["sentences"] = run(db, f, "SELECT count(*) AS n FROM fs").iloc[0]["n"]
    row["mentions"] = run(db, f, "SELECT count(*) AS n FROM fm").iloc[0]["n"]
    row["entities"] = run(db, f, "SELECT count(*) AS n FROM fe").iloc[0]["n"]
    return {
        "articles": int(row["articles"]), "sentences": int(row["sentences"]),
        "mentions": int(row["mentions"]), "entities": int(row["entities"]),
        "first": None if pd.isna(row["first"]) else pd.Timestamp(row["first"]),
        "last": None if pd.isna(row["last"]) else pd.Timestamp(row["last"]),
        "undated": int(row["undated"]),
    }


def date_facts(db: Engine, f: Filters) -> dict[str, int]:
    """Return how many articles of the view are undated, and how many have an inferred date."""
    row = run(db, f, "SELECT count(*) FILTER (WHERE published IS NULL) AS undated, "
                     "count(*) FILTER (WHERE date_source = 'inferred') AS inferred "
                     "FROM fa").iloc[0]
    return {"undated": int(row["undated"]), "inferred": int(row["inferred"])}


def article_sentiments(db: Engine, f: Filters) -> pd.DataFrame:
    """Return the view's articles with their sentiment (for the histogram)."""
    out = run(db, f, "SELECT article_id, title, published, source, sentiment FROM fa "
                     "ORDER BY published NULLS LAST, article_id")
    return _str(out, "article_id", "title", "source")


# ---------------------------------------------------------------------------------------------
# Time


# The time step picked when the user leaves it on "auto": the finest that keeps the axis
# readable — days up to two months, weeks up to half a year, months beyond.
AUTO_DAYS_MAX = 62
AUTO_WEEKS_MAX = 183
_TRUNC = {"D": "day", "W": "week", "M": "month"}


def auto_freq(dates: pd.Series) -> Freq:
    """Return the time step for dates spanning this long: D (≤ ~2 months), W (≤ ~6 months)
    or M, so a chart has at most ~60 periods and a burst of days is not a spike at one edge."""
    values = pd.to_datetime(dates.dropna())
    if values.empty:
        return "D"
    span = (values.max() - values.min()).days
    if span <= AUTO_DAYS_MAX:
        return "D"
    return "W" if span <= AUTO_WEEKS_MAX else "M"


def mention_dates(db: Engine, f: Filters, entity_ids: Iterable[str] | None = None) -> pd.Series:
    """Return the distinct publication dates of the view's articles that mention any of the
    entities (all the view's articles when `entity_ids` is None): what a timeline spans, for
    `auto_freq`."""
    if entity_ids is None:
        query = "SELECT DISTINCT published FROM fa WHERE published IS NOT NULL"
    else:
        query = (f"SELECT DISTINCT a.published FROM fa a SEMI JOIN (SELECT article_id FROM fm "
                 f"WHERE {_in('entity_id', entity_ids)}) k USING (article_id) "
                 "WHERE a.published IS NOT NULL")
    dates = run(db, f, query + " ORDER BY 1")["published"]
    return dates.astype("datetime64[us]").reset_index(drop=True)


def _periods(first: pd.Timestamp, last: pd.Timestamp, freq: Freq) -> pd.DatetimeIndex:
    rule = {"D": "D", "W": "W-MON", "M": "MS"}[freq]
    return pd.date_range(first, last, freq=rule)


def entity_timeline(
    db: Engine,
    f: Filters,
    entity_ids: Iterable[str],
    freq: Freq = "D",
    *,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return mentions per period (publication date) for each entity, with zeros filled in.

    Columns: period (first day), entity_id, name, n_mentions. Undated articles are left out.
    """
    wanted = list(dict.fromkeys(entity_ids))
    cols = ["period", "entity_id", "name", "n_mentions"]
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        cols, ["datetime64[us]", "str", "str", "int64"], strict=True)})
    if not wanted:
        return empty
    counts = run(db, f, f"""SELECT date_trunc('{_TRUNC[freq]}', a.published) AS period,
            m.entity_id, count(*) AS n
        FROM fm m JOIN fa a ON a.article_id = m.article_id
        WHERE {_in("m.entity_id", wanted)} AND a.published IS NOT NULL
        GROUP BY ALL""")
    if counts.empty:
        return empty
    counts["period"] = pd.to_datetime(counts["period"]).astype("datetime64[us]")
    series = counts.set_index(["period", "entity_id"])["n"]
    grid = pd.MultiIndex.from_product(
        [_periods(series.index.get_level_values(0).min(),
                  series.index.get_level_values(0).max(), freq), wanted],
        names=["period", "entity_id"],
    )
    out = series.reindex(grid, fill_value=0).rename("n_mentions").reset_index()
    out["n_mentions"] = out["n_mentions"].astype("int64")
    out["period"] = out["period"].astype("datetime64[us]")
    out["entity_id"] = out["entity_id"].astype("str")
    lookup = dict(names or {})
    out["name"] = pd.Series([lookup.get(e, e) for e in out["entity_id"]], dtype="str")
    return out[cols]


_ENTITY_SENTENCES = """SELECT s.article_id, s.sentence_id, s.sentiment FROM fs s SEMI JOIN
    (SELECT article_id, sentence_id FROM fm WHERE entity_id = {e}) k
    USING (article_id, sentence_id)"""


def entity_sentiment_by_article(db: Engine, f: Filters, entity_id: str) -> pd.DataFrame:
    """Return, per article, the mean sentiment of the sentences mentioning the entity."""
    # grouped by article id first, then joined with the titles: hashing ids, not titles
    mine = _entity_sentences(db, f, entity_id) or _ENTITY_SENTENCES.format(e=lit(entity_id))
    out = run(db, f, f"""SELECT k.article_id, a.title, a.origin, a.published, k.sentiment,
            k.n_sentences
        FROM (SELECT article_id, avg(sentiment) AS sentiment, count(*) AS n_sentences
              FROM ({mine})
              WHERE sentiment IS NOT NULL GROUP BY article_id) k
        JOIN fa a ON a.article_id = k.article_id""")
    cols = ["article_id", "article", "published", "sentiment", "n_sentences"]
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["article"] = article_label(out)
    out = out.sort_values(["published", "article"], ignore_index=True)
    return _str(_int64(out, "n_sentences"), "article_id", "article")[cols]


def _entity_rows(db: Engine, f: Filters, entity_id: str) -> tuple[str, str] | None:
    """Return (condition, check) selecting one entity's rows of the per-day and per-sentence
    tables (`entity_days`, `entity_sentences`) in the view: its id, dates, originals and type,
    and `check` (a condition to AND) for the minimum-mention filter, which keeps the entity or
    not by its mentions in the view. None when a filter needs the mentions themselves (see
    `_day_counts`)."""
    if _day_counts(db, f) is None:
        return None
    kept = [f"entity_id = {lit(entity_id)}", *_day_conditions(db, f)]
    where = " AND ".join(kept)
    check = "" if f.min_mentions <= 1 else (
        f" AND (SELECT sum(n_mentions) FROM entity_days WHERE {where}) >= {int(f.min_mentions)}")
    return where, check


def _entity_days_sentiment(db: Engine, f: Filters, entity_id: str, freq: Freq) -> str | None:
    """Return the query of `entity_sentiment_timeline` on the per-day table (each sentence
    once per entity and day, with its sentiment: `Engine._index`), ~700 rows for a year
    instead of the entity's sentences joined with every sentence of the view; None when a
    filter needs the mentions themselves."""
    rows = _entity_rows(db, f, entity_id)
    if rows is None:
        return None
    where, check = rows
    return f"""SELECT date_trunc('{_TRUNC[freq]}', published) AS period,
            sum(sentiment_sum) / sum(sentiment_n) AS sentiment,
            sum(sentiment_n)::BIGINT AS n_sentences
        FROM entity_days WHERE {where} AND published IS NOT NULL{check}
        GROUP BY ALL HAVING sum(sentiment_n) > 0 ORDER BY period"""


def _entity_sentences(db: Engine, f: Filters, entity_id: str) -> str | None:
    """Return a query of the view's sentences mentioning the entity (article_id, sentence_id,
    published, sentiment) from the per-sentence table (`Engine._index`: in entity order, so
    only the entity's row groups are read), or None when a filter needs the mentions."""
    rows = _entity_rows(db, f, entity_id)
    if rows is None:
        return None
    where, check = rows
    return ("SELECT article_id, sentence_id, published, sentiment FROM entity_sentences "
            f"WHERE {where}{check}")


def entity_sentiment_timeline(db: Engine, f: Filters, entity_id: str,
                              freq: Freq = "D") -> pd.DataFrame:
    """Return the mean sentiment of the sentences mentioning the entity, per period."""
    days = _entity_days_sentiment(db, f, entity_id, freq)
    out = db.sql(days) if days is not None else run(
        db, f, f"""SELECT date_trunc('{_TRUNC[freq]}', a.published) AS period,
            avg(k.sentiment) AS sentiment, count(*) AS n_sentences
        FROM ({_ENTITY_SENTENCES.format(e=lit(entity_id))}) k
        JOIN fa a ON a.article_id = k.article_id
        WHERE k.sentiment IS NOT NULL AND a.published IS NOT NULL
        GROUP BY ALL ORDER BY period""")
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[us]")
    out["sentiment"] = out["sentiment"].astype("float64")
    return _int64(out, "n_sentences")[["period", "sentiment", "n_sentences"]]


# ---------------------------------------------------------------------------------------------
# Co-occurrence


def _unit_keys(window: Window) -> str:
    return "article_id, sentence_id" if window == "sentence" else "article_id"


def n_units(db: Engine, f: Filters, window: Window) -> int:
    """Return the number of sentences (or articles) in the view: N for PMI."""
    table = "fs" if window == "sentence" else "fa"
    return int(run(db, f, f"SELECT count(*) AS n FROM {table}").iloc[0]["n"])


def cooccurrence(
    db: Engine,
    f: Filters,
    *,
    window: Window = "sentence",
    weight: Weight = "count",
    min_support: int = 1,
    n_units: int | None = None,
    among: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return one row per pair of entities seen together in a sentence (or article).

    Columns: a, b (entity ids, a < b), n (units holding both), n_a, n_b (units holding each),
    weight. With N units (`n_units`, default: the units that hold any mention):
    pmi = log2(n·N / (n_a·n_b)); npmi = pmi / -log2(n/N) (1 when the pair is in every unit);
    jaccard = n / (n_a + n_b - n); count = n. Pairs with n < `min_support` are dropped.
    `among` restricts the pairs to those entities (their n_a, n_b still count every unit).
    """
    cols = ["a", "b", "n", "n_a", "n_b", "weight"]
    if among is None:
        among = view_entities(db, f)["entity_id"].tolist()
    edges, units = pair_counts(db, f, window=window, among=tuple(among))
    edges = _weighted(edges, n_units if n_units is not None else units, weight, min_support)
    if edges.empty:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in "ab" else "int64") for c in cols})
    return edges[cols]


def _weighted(counts: pd.DataFrame, total: int, weight: Weight, min_support: int
              ) -> pd.DataFrame:
    """Return the pairs seen at least `min_support` times with their weight, strongest first."""
    edges = counts[counts["n"] >= max(1, int(min_support))]
    edges = edges.assign(weight=association(edges["n"], edges["n_a"], edges["n_b"],
                                            max(total, 1), weight))
    return edges.sort_values(["weight", "n", "a", "b"], ascending=[False, False, True, True],
                             ignore_index=True)


def pair_counts(db: Engine, f: Filters, *, window: Window = "sentence",
                among: Sequence[str] = ()) -> tuple[pd.DataFrame, int]:
    """Return every pair of the `among` entities seen in a same unit of the view (a, b with
    a < b, n units holding both, n_a and n_b units holding each), and the number of units
    holding any of them.

    The engine only filters and returns one (unit, entity index) row per mention, the unit as
    one integer (the article's ENUM code, shifted, plus the sentence id); numpy then sorts
    them, drops repeats and counts the pairs within each unit by offset (the 1st and 2nd
    entity of a unit, the 1st and 3rd...): a sort and a few passes over the rows, cheaper on
    two cores than a hash aggregate or a self-join growing with the square of entities per unit.
    """
    ids = sorted(dict.fromkeys(str(e) for e in among))
    cols = ["a", "b", "n", "n_a", "n_b"]
    if not ids or db.aid == "VARCHAR":  # no entity asked for, or no article at all
        return pd.DataFrame({c: pd.Series(dtype="str" if c in "ab" else "int64")
                             for c in cols}), 0
    unit = "enum_code(m.article_id)::BIGINT"
    if window == "sentence":
        unit = f"({unit} << 24) + m.sentence_id"
    query = scope(db, f) + f""", chosen AS (SELECT TRY_CAST(unnest({lit(ids)}) AS {db.eid})
            AS entity_id, generate_subscripts({lit(ids)}, 1) - 1 AS idx)
        SELECT {unit} AS unit, c.idx::BIGINT AS idx FROM fm m JOIN chosen c
            ON c.entity_id = m.entity_id"""
    cursor = db.con.cursor()
    try:
        table = cursor.sql(query).to_arrow_table()
    finally:
        cursor.close()
    size = len(ids)
    keys = (np.asarray(table.column("unit").to_numpy(), dtype=np.int64) * size
            + np.asarray(table.column("idx").to_numpy(), dtype=np.int64))
    keys.sort()
    if len(keys):
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]
    units, values = np.divmod(keys, size)  # by unit, then entity index: a < b in each pair
    per = np.bincount(values, minlength=size)
    n_units = int(np.count_nonzero(units[1:] != units[:-1])) + 1 if len(units) else 0
    together = np.zeros(size * size, dtype=np.int64)
    pos = np.arange(max(len(keys) - 1, 0))
    step = 1
    while pos.size:
        pos = pos[units[pos + step] == units[pos]]
        together += np.bincount(values[pos] * size + values[pos + step], minlength=size * size)
        step += 1
        pos = pos[pos + step < len(keys)]
    a_idx, b_idx = np.divmod(np.flatnonzero(together), size)
    names = np.array(ids, dtype=object)
    edges = pd.DataFrame({"a": pd.Series(names[a_idx], dtype="str"),
                          "b": pd.Series(names[b_idx], dtype="str"),
                          "n": together[a_idx * size + b_idx],
                          "n_a": per[a_idx].astype(np.int64),
                          "n_b": per[b_idx].astype(np.int64)})
    return edges[cols], n_units


def association(
    n: pd.Series, n_a: pd.Series, n_b: pd.Series, total: int, weight: Weight
) -> pd.Series:
    """Return the association weight of pairs from their joint and single counts."""
    n_f, a_f, b_f = (s.astype("float64") for s in (n, n_a, n_b))
    if weight == "count":
        return n_f
    if weight == "jaccard":
        return n_f / (a_f + b_f - n_f)
    pmi = np.log2(n_f * total / (a_f * b_f))
    if weight == "pmi":
        return pmi
    if weight == "npmi":
        h = -np.log2(n_f / total)
        return pd.Series(np.where(h > 0, pmi / h.where(h > 0, 1.0), 1.0), index=n.index)
    raise ValueError(f"unknown weight {weight!r}: use count, pmi, npmi or jaccard")


def pmi_warning(n_total: int, edges: pd.DataFrame, weight: Weight) -> str | None:
    """Return a plain warning when the corpus is too small for PMI-style weights to mean much."""
    if weight not in ("pmi", "npmi") or edges.empty:
        return None
    strong = int((edges["n"] >= MIN_SUPPORT_FOR_PMI).sum())
    if n_total < MIN_UNITS_FOR_PMI:
        return (f"Only {n_total} units in this window: PMI compares observed and expected "
                f"co-occurrence and is mostly noise below {MIN_UNITS_FOR_PMI}. Read the counts "
                "instead, or widen the filters.")
    if strong < len(edges):
        return (f"{len(edges) - strong} of {len(edges)} pairs are seen fewer than "
                f"{MIN_SUPPORT_FOR_PMI} times: PMI over-rates rare pairs. Raise the minimum "
                f"support to {MIN_SUPPORT_FOR_PMI} to keep only pairs PMI can judge.")
    return None


# How many of the most mentioned entities the network considers, per entity drawn.
NETWORK_CANDIDATES = 3


def network(
    db: Engine,
    f: Filters,
    *,
    window: Window = "sentence",
    weight: Weight = "count",
    min_support: int = 1,
    top_n: int = 30,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Return the network the page draws: nodes, edges among them, and N (units in the view).

    Nodes are the `top_n` most mentioned entities that have an edge with another of the
    `NETWORK_CANDIDATES × top_n` most mentioned ones (so the pairs counted stay few however
    large the corpus), without those left alone once the others are chosen; edges are the pairs
    among the nodes. Nodes carry entity_id, name, label, n_mentions, n_articles, sentiment.
    """
    total = n_units(db, f, window)
    candidates = view_entities(db, f, limit=max(top_n * NETWORK_CANDIDATES, 100))
    among = tuple(candidates["entity_id"])
    counted, _ = engine_cached(db, pair_counts, f, window=window, among=among)
    edges = _weighted(counted, total, weight, min_support)
    connected = set(edges["a"]) | set(edges["b"])
    nodes = candidates[candidates["entity_id"].isin(connected)].head(top_n)
    keep = set(nodes["entity_id"])
    drawn = edges[edges["a"].isin(keep) & edges["b"].isin(keep)].reset_index(drop=True)
    nodes = nodes[nodes["entity_id"].isin(set(drawn["a"]) | set(drawn["b"]))]
    return with_sentiment(db, f, nodes.reset_index(drop=True)), drawn, total


def co_mentioned(
    db: Engine,
    f: Filters,
    entity_id: str,
    *,
    window: Window = "sentence",
    weight: Weight = "count",
    min_support: int = 1,
    n_total: int | None = None,
) -> pd.DataFrame:
    """Return the entities seen with `entity_id`, strongest first: other, name, label, n, weight."""
    keys = _unit_keys(window)
    on = " AND ".join(f"x.{k} = y.{k}" for k in keys.split(", "))
    edges = _co_sql(db, f, entity_id, keys, on, min_support, total=n_total is None)
    cols = ["entity_id", "name", "label", "n", "weight"]
    if edges.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "weight" else
                                          "int64" if c == "n" else "str") for c in cols})
    total = n_total if n_total is not None else int(edges["total"].iloc[0])
    edges = _str(_int64(edges, "n", "n_self", "n_other"), "entity_id", "name", "label")
    edges["weight"] = association(edges["n"], edges["n_self"], edges["n_other"],
                                  max(total, 1), weight)
    edges["name"] = edges["name"].fillna(edges["entity_id"])
    return edges.sort_values(["weight", "n", "name"], ascending=[False, False, True],
                             ignore_index=True)[cols]


def _co_sql(db: Engine, f: Filters, entity_id: str, keys: str, on: str,
            min_support: int, *, total: bool = True) -> pd.DataFrame:
    """Count the units shared with each partner; N (`total`: the units holding any mention)
    only when the caller has not counted it already (it costs another pass)."""
    days = _day_counts(db, f)
    if not total and days is not None:
        # Each partner's units in the view from the per-day table; only the units of the
        # entity itself are read from the mentions.
        per_day = "n_sentences" if keys == "article_id, sentence_id" else "n_articles"
        return db.sql(scope(db, f) + f""",
            mine AS (SELECT DISTINCT {keys} FROM fm WHERE entity_id = {lit(entity_id)}),
            near AS (SELECT DISTINCT {keys}, entity_id FROM fm SEMI JOIN mine USING ({keys})
                     WHERE entity_id <> {lit(entity_id)}),
            pairs AS (SELECT entity_id, count(*) AS n FROM near GROUP BY ALL
                      HAVING count(*) >= {max(1, int(min_support))})
            SELECT p.entity_id, p.n, (SELECT count(*) FROM mine) AS n_self, d.{per_day}
                AS n_other, NULL::BIGINT AS total, e.name, e.label
            FROM pairs p JOIN ({days}) d ON d.entity_id = p.entity_id
            LEFT JOIN entities e ON e.entity_id = p.entity_id""")
    n_units = f"(SELECT count(*) FROM (SELECT DISTINCT {keys} FROM units))" if total else \
        "NULL::BIGINT"
    return db.sql(scope(db, f) + f""",
        units AS (SELECT DISTINCT {keys}, entity_id FROM fm),
        mine AS (SELECT {keys} FROM units WHERE entity_id = {lit(entity_id)}),
        pairs AS (SELECT y.entity_id, count(*) AS n FROM mine x JOIN units y ON {on}
                  WHERE y.entity_id <> {lit(entity_id)} GROUP BY ALL
                  HAVING count(*) >= {max(1, int(min_support))}),
        per AS (SELECT entity_id, count(*) AS n FROM units GROUP BY entity_id)
        SELECT p.entity_id, p.n, (SELECT count(*) FROM mine) AS n_self, pe.n AS n_other,
            {n_units} AS total, e.name, e.label
        FROM pairs p JOIN per pe ON pe.entity_id = p.entity_id
        LEFT JOIN entities e ON e.entity_id = p.entity_id""")


# ---------------------------------------------------------------------------------------------
# Evidence

EVIDENCE_COLS = ["article_id", "sentence_id", "published", "date_source", "title", "source",
                 "sentence", "surface", "sentiment", "sentiment_terms", "spans"]
Order = Literal["date", "most negative", "most positive"]
_ORDER = {
    "date": "published NULLS LAST, article_id, sentence_id",
    "most negative": "sentiment NULLS LAST, published NULLS LAST, article_id, sentence_id",
    "most positive": "sentiment DESC NULLS LAST, published NULLS LAST, article_id, sentence_id",
}


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in EVIDENCE_COLS})


def _sentence_rows(db: Engine, f: Filters, keys_sql: str, *, order: Order,
                   limit: int | None, spans_of: str, sortable: bool = False) -> pd.DataFrame:
    """Return the sentences in `keys_sql` (article_id, sentence_id, published) with what a
    reader needs: text, article metadata, forms used, sentiment and the spans of the mentions
    in `spans_of` (a SQL condition on fm) relative to the sentence, for highlighting.

    By date with a limit, the first keys are picked from the mentions alone (they carry their
    article's date), then only the rows of their dates are read (the tables are in date order,
    so the other row groups are skipped): a page of 60 sentences no longer joins the 300k
    sentences of a frequent entity. Should a key have no sentence or article in the view (a
    damaged dataset), the rows are made the long way. `sortable`: the keys carry their
    sentence's sentiment too, so the first ones are picked that way in any order."""
    keys = f"SELECT article_id, sentence_id FROM ({keys_sql})"
    if (order != "date" and not sortable) or limit is None or db.aid == "VARCHAR":
        return _sentence_rows_of(db, f, keys, order=order, limit=limit, spans_of=spans_of)
    # the articles by their ENUM code: a text id cast to the ENUM of 100k ids costs ~20 ms
    first = run(db, f, f"SELECT enum_code(article_id)::BIGINT AS code, sentence_id, published "
                       f"FROM ({keys_sql}) ORDER BY {_ORDER[order]} LIMIT {int(limit)}")
    if first.empty:
        return _no_rows()
    dated = first["published"].dropna()
    near = ["{t}.published IS NULL"] if len(dated) < len(first) else []
    if len(dated):
        near.append(f"{{t}}.published BETWEEN {lit(dated.min())} AND {lit(dated.max())}")
    rows = ", ".join(f"({int(a)}, {int(i)})"
                     for a, i in zip(first["code"], first["sentence_id"], strict=True))
    out = _sentence_rows_of(
        db, f, f"SELECT * FROM (VALUES {rows}) k(code, sentence_id)", order=order,
        limit=limit, spans_of=spans_of, near="(" + " OR ".join(near) + ")",
        on="ON enum_code(s.article_id) = keys.code AND s.sentence_id = keys.sentence_id")
    if len(out) == len(first):
        return out
    return _sentence_rows_of(db, f, keys, order=order, limit=limit, spans_of=spans_of)


def _sentence_rows_of(db: Engine, f: Filters, keys_sql: str, *, order: Order,
                      limit: int | None, spans_of: str, near: str = "",
                      on: str = "USING (article_id, sentence_id)") -> pd.DataFrame:
    """`_sentence_rows` for the keys `keys_sql` (article_id, sentence_id, or as `on` joins
    them with the sentences `s`); `near`: a condition on the dates the keys have (`{t}`
    stands for a table's alias), to skip the others."""
    cap = f"LIMIT {int(limit)}" if limit is not None else ""
    where_s = f" WHERE {near.format(t='s')} AND {near.format(t='a')}" if near else ""
    where_m = f" AND {near.format(t='m')}" if near else ""
    out = run(db, f, f""", keys AS ({keys_sql}),
        picked AS (SELECT s.article_id, s.sentence_id, s.start, s."end", s.sentiment,
                s.sentiment_terms, a.published, a.date_source, a.title,
                coalesce(a.source, {lit(UNKNOWN_SOURCE)}) AS source
            FROM fs s SEMI JOIN keys {on}
            JOIN fa a ON a.article_id = s.article_id{where_s}
            ORDER BY {_ORDER[order]} {cap}),
        spans AS (SELECT m.article_id, m.sentence_id,
                list(m.surface ORDER BY m.start, m."end") AS forms,
                list([m.start::VARCHAR, m."end"::VARCHAR, m.type::VARCHAR,
                      coalesce(e.name, m.entity_id::VARCHAR)]
                     ORDER BY m.start, m."end") AS marks
            FROM fm m SEMI JOIN picked USING (article_id, sentence_id)
            LEFT JOIN entities e ON e.entity_id = m.entity_id
            WHERE {spans_of}{where_m} GROUP BY ALL)
        SELECT p.*, substring(t.text, p.start + 1, p."end" - p.start) AS sentence,
            sp.forms, sp.marks
        FROM picked p JOIN texts t ON t.article_id = p.article_id::VARCHAR
        LEFT JOIN spans sp ON sp.article_id = p.article_id AND sp.sentence_id = p.sentence_id
        ORDER BY {_ORDER[order]}""")
    if out.empty:
        return _no_rows()
    out["surface"] = ["; ".join(dict.fromkeys(_seq(forms))) for forms in out["forms"]]
    out["spans"] = [
        sorted((int(s) - start, int(e) - start, str(label), str(name))
               for s, e, label, name in _seq(marks))
        for marks, start in zip(out["marks"], out["start"], strict=True)
    ]
    out["published"] = out["published"].astype("datetime64[us]")
    out = _str(out, "article_id", "date_source", "title", "source", "sentence",
               "sentiment_terms")
    return out[EVIDENCE_COLS].reset_index(drop=True)


def evidence(db: Engine, f: Filters, entity_id: str, *, order: Order = "date",
             limit: int | None = None) -> pd.DataFrame:
    """Return the sentences mentioning the entity, with what a reader needs to judge them.

    Columns: article_id, sentence_id, published, date_source, title, source, sentence, surface
    (the forms used), sentiment, sentiment_terms, and `spans`: (start, end, label, name) of the
    entity's mentions relative to the sentence, for highlighting. In `order` (by date, or most
    negative/positive first, then by date); the first `limit` when given.
    """
    e = lit(entity_id)
    mine = _entity_sentences(db, f, entity_id)
    if mine is not None:  # the entity's own sentences, with their sentiment: any order
        return _sentence_rows(db, f, mine, order=order, limit=limit,
                              spans_of=f"m.entity_id = {e}", sortable=True)
    return _sentence_rows(
        db, f, "SELECT DISTINCT article_id, sentence_id, published FROM fm "
               f"WHERE entity_id = {e}",
        order=order, limit=limit, spans_of=f"m.entity_id = {e}")


def evidence_count(db: Engine, f: Filters, entity_id: str) -> int:
    """Return how many sentences of the view mention the entity."""
    mine = _entity_sentences(db, f, entity_id)
    if mine is not None:
        return int(db.scalar(f"SELECT count(*) FROM ({mine})"))
    return int(run(db, f, "SELECT count(*) AS n FROM (SELECT DISTINCT article_id, sentence_id "
                          f"FROM fm WHERE entity_id = {lit(entity_id)})").iloc[0]["n"])


def _pair_keys(a: str, b: str, window: Window) -> str:
    both = _in("entity_id", [a, b])
    if window == "sentence":
        return (f"SELECT article_id, sentence_id, any_value(published) AS published FROM fm "
                f"WHERE {both} GROUP BY article_id, sentence_id "
                "HAVING min(entity_id) < max(entity_id)")
    return (f"SELECT DISTINCT article_id, sentence_id, published FROM fm WHERE {both} "
            "AND article_id IN "
            f"(SELECT article_id FROM fm WHERE {both} GROUP BY article_id "
            "HAVING min(entity_id) < max(entity_id))")


def pair_evidence(db: Engine, f: Filters, a: str, b: str, *, window: Window = "sentence",
                  limit: int | None = None) -> pd.DataFrame:
    """Return the sentences where both entities appear (sentence window), or the sentences that
    mention either of them in the articles where both appear (article window); by date."""
    return _sentence_rows(db, f, _pair_keys(a, b, window), order="date", limit=limit,
                          spans_of=_in("m.entity_id", [a, b]))


def pair_evidence_count(db: Engine, f: Filters, a: str, b: str, *,
                        window: Window = "sentence") -> int:
    """Return how many sentences `pair_evidence` has in all."""
    return int(run(db, f, f"SELECT count(*) AS n FROM ({_pair_keys(a, b, window)})")
               .iloc[0]["n"])


def article_spans(db: Engine, article_id: str) -> list[tuple[int, int, str, str]]:
    """Return (start, end, type, entity name) of every mention in an article, in text order."""
    out = db.sql(f"""SELECT m.start, m."end", coalesce(e.label, m.label) AS type,
            coalesce(e.name, m.entity_id) AS name
        FROM mentions m LEFT JOIN entities e ON e.entity_id = m.entity_id
        WHERE m.article_id = {lit(article_id)} ORDER BY m.start, m."end" """)
    return [(int(s), int(e), str(t), str(n)) for s, e, t, n in
            zip(out["start"], out["end"], out["type"], out["name"], strict=True)]


QUOTE_COLS = ["published", "title", "quote", "speaker", "cue", "article_id", "sentence_id"]


def quotes_for(db: Engine, f: Filters, entity_id: str, *, limit: int | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (quotes said by the entity, quotes in sentences that mention it), with titles."""
    e = lit(entity_id)
    cap = f" LIMIT {int(limit)}" if limit is not None else ""
    # The quotes of the view's sentences: of its articles, unless a search keeps only some of
    # their sentences (a join with the view's sentences, a million at 100k articles, is the
    # costly part and only then changes anything).
    quotes = ("(SELECT * FROM quotes SEMI JOIN fs USING (article_id, sentence_id))"
              if search.parse(f.search.strip()) else "quotes")
    select = ("SELECT a.published, a.title, q.quote, q.speaker, q.cue, q.article_id, "
              f"q.sentence_id, q.start FROM {quotes} q JOIN fa a ON a.article_id = q.article_id ")
    order = f"ORDER BY published NULLS LAST, article_id, start {cap}"
    mine = _entity_sentences(db, f, entity_id) or (
        f"SELECT DISTINCT article_id, sentence_id FROM fm WHERE entity_id = {e}")
    said = run(db, f, f"SELECT * FROM ({select} WHERE q.speaker_id = {e}) {order}")
    about = run(db, f, f"""SELECT * FROM ({select}
        SEMI JOIN ({mine}) k
            ON k.article_id = q.article_id AND k.sentence_id = q.sentence_id
        WHERE coalesce(q.speaker_id, '') <> {e}) {order}""")
    return (_str(said, "title", "quote", "speaker", "cue", "article_id")[QUOTE_COLS],
            _str(about, "title", "quote", "speaker", "cue", "article_id")[QUOTE_COLS])


def has_rows(db: Engine, table: str) -> bool:
    """True when the dataset (whatever the filters) has any row in `table`."""
    return bool(db.scalar(f"SELECT EXISTS (SELECT 1 FROM {table})"))


EVENT_COLS = ["article_id", "sentence_id", "start", "end", "expression", "date", "granularity",
              "how", "sentence", "title", "published", "date_source", "entity_ids", "entities"]


def _events_sql(f: Filters, only: Sequence[str]) -> str:
    """The view's events: of its articles, or of its sentences when a search keeps only some
    (the join with a million sentences at 100k articles is then needed, not otherwise)."""
    chosen = ""
    if only:
        chosen = (f"SEMI JOIN (SELECT DISTINCT article_id, sentence_id FROM fm WHERE "
                  f"{_in('entity_id', only)}) k USING (article_id, sentence_id)")
    kept = "fs USING (article_id, sentence_id)" if search.parse(f.search.strip()) else \
        "fa USING (article_id)"
    return f"SELECT v.* FROM events v SEMI JOIN {kept} {chosen}"


def events_with_entities(db: Engine, f: Filters, *, only: Sequence[str] = (),
                         max_articles: int | None = None, limit: int | None = None
                         ) -> pd.DataFrame:
    """Return the view's dated events with their sentence, article title and the entities in it.

    Adds columns: sentence, title, published, date_source, entity_ids (list), entities (names).
    `only`: the events in sentences mentioning any of these entities. `max_articles`: only the
    events of the articles with the most events; `limit`: the first events (by date).
    """
    restrict = ""
    if max_articles is not None:
        restrict = (f"WHERE article_id IN (SELECT article_id FROM ev GROUP BY article_id "
                    f"ORDER BY count(*) DESC, article_id LIMIT {int(max_articles)})")
    cap = f"LIMIT {int(limit)}" if limit is not None else ""
    out = run(db, f, f""", ev AS ({_events_sql(f, only)}),
        picked AS (SELECT * FROM ev {restrict}
                   ORDER BY date, article_id, start {cap}),
        ents AS (SELECT m.article_id, m.sentence_id,
                list(m.entity_id::VARCHAR ORDER BY m.start, m."end") AS ids,
                list(coalesce(e.name, m.entity_id::VARCHAR) ORDER BY m.start, m."end") AS names
            FROM fm m SEMI JOIN picked USING (article_id, sentence_id)
            LEFT JOIN entities e ON e.entity_id = m.entity_id GROUP BY ALL)
        SELECT p.*, substring(t.text, s.start + 1, s."end" - s.start) AS sentence, a.title,
            a.published, a.date_source, x.ids, x.names
        FROM picked p JOIN articles a ON a.article_id = p.article_id
        JOIN texts t ON t.article_id = p.article_id::VARCHAR
        LEFT JOIN (SELECT article_id, sentence_id, start, "end" FROM fs
                   SEMI JOIN picked USING (article_id, sentence_id)) s
            ON s.article_id = p.article_id AND s.sentence_id = p.sentence_id
        LEFT JOIN ents x ON x.article_id = p.article_id AND x.sentence_id = p.sentence_id""")
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_COLS})
    ids, names = [], []
    for row_ids, row_names in zip(out["ids"], out["names"], strict=True):
        pairs = dict(zip(_seq(row_ids), _seq(row_names), strict=True))
        ids.append(list(pairs))
        names.append("; ".join(pairs.values()))
    out["entity_ids"] = ids
    out["entities"] = names
    for col in ("date", "published"):
        out[col] = out[col].astype("datetime64[us]")
    out = out.sort_values(["date", "published", "article_id", "start"], ignore_index=True)
    out = _str(out, "article_id", "expression", "granularity", "how", "sentence", "title",
               "date_source")
    return _int64(out, "sentence_id", "start", "end")[EVENT_COLS]


def event_counts(db: Engine, f: Filters, *, only: Sequence[str] = ()) -> tuple[int, int]:
    """Return (events, articles with an event) in the view (see `events_with_entities`)."""
    row = run(db, f, f", ev AS ({_events_sql(f, only)}) SELECT count(*) AS n, "
                     "count(DISTINCT article_id) AS k FROM ev").iloc[0]
    return int(row["n"]), int(row["k"])


def event_entities(db: Engine, f: Filters) -> list[str]:
    """Return the entities named in the sentences of the view's events, most mentioned (in
    the view) first: what the Timeline's event filter offers."""
    out = run(db, f, f""", ev AS ({_events_sql(f, ())}),
        named AS (SELECT DISTINCT m.entity_id FROM fm m
                  SEMI JOIN ev USING (article_id, sentence_id))
        SELECT n.entity_id FROM named n JOIN fe e ON e.entity_id = n.entity_id
        ORDER BY e.n_mentions DESC, n.entity_id""")
    return out["entity_id"].astype("str").tolist()


# ---------------------------------------------------------------------------------------------
# Words


@cache
def stop_words() -> frozenset[str]:
    """Return French and English stop words (spaCy's lists, folded), plus elision leftovers."""
    words = {fold(w) for lang in ("fr", "en") for w in _spacy_stop_words(lang)}
    return frozenset(words | {"qu", "aujourd", "hui", "ete", "etre", "fait", "dit", "selon"})


def _spacy_stop_words(lang: str) -> set[str]:
    """Read spaCy's stop-word list without importing spaCy (seconds) for a word list."""
    spec = importlib.util.find_spec("spacy")
    if spec and spec.origin:
        source = Path(spec.origin).parent / "lang" / lang / "stop_words.py"
        if source.exists():
            namespace: dict[str, object] = {}
            exec(compile(source.read_text(encoding="utf-8"), str(source), "exec"), namespace)
            words = namespace.get("STOP_WORDS")
            if isinstance(words, set):
                return words
    module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
    return set(module.STOP_WORDS)


_WORD_SQL = r"\pL+(?:[-']\pL+)*"
_ELIDED = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)'", re.IGNORECASE)


def word_frequencies(
    db: Engine, f: Filters, *, mode: Literal["entities", "words"] = "entities", n: int = 150,
    sample: int = WORD_SAMPLE,
) -> pd.DataFrame:
    """Return the `n` most frequent entity names, or content words (stop words removed).

    Columns: term, n, label (entity type, or empty for words). Words are counted in the view's
    sentences; beyond `sample` sentences, in a fixed random sample of that many, with counts
    scaled to the whole view (`word_sample_note` says so).
    """
    if mode == "entities":
        ent = view_entities(db, f, limit=n)
        return pd.DataFrame({"term": ent["name"].astype("str"),
                             "n": ent["n_mentions"].astype("int64"),
                             "label": ent["label"].astype("str")}).reset_index(drop=True)
    total = n_units(db, f, "sentence")
    pick = "fs"
    if total > sample:
        pick = f"(SELECT * FROM fs USING SAMPLE reservoir({int(sample)} ROWS) REPEATABLE (7))"
    raw = run(db, f, f"""SELECT w, count(*) AS n FROM (
            SELECT unnest(regexp_extract_all(lower(replace(
                substring(a.text, s.start + 1, s."end" - s.start), '\u2019', '''')),
                {lit(_WORD_SQL)})) AS w
            FROM {pick} s JOIN texts a ON a.article_id = s.article_id::VARCHAR)
        GROUP BY w""")
    scale = total / sample if total > sample else 1.0
    raw_counts: Counter[str] = Counter()
    for word, seen in zip(raw["w"], raw["n"], strict=True):
        raw_counts[_ELIDED.sub("", str(word))] += int(seen)
    stop = stop_words()
    counts: Counter[str] = Counter()
    display: dict[str, str] = {}
    for word, seen in raw_counts.items():
        key = _folded(word)
        if len(key) < 3 or key in stop:
            continue
        counts[key] += seen
        if key not in display or raw_counts[display[key]] < seen:
            display[key] = word  # the most frequent spelling, accents included
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return pd.DataFrame({"term": pd.Series([display[k] for k, _ in top], dtype="str"),
                         "n": pd.Series([round(v * scale) for _, v in top], dtype="int64"),
                         "label": pd.Series([""] * len(top), dtype="str")})


def word_sample_note(db: Engine, f: Filters, *, sample: int = WORD_SAMPLE) -> str | None:
    """Return a note when the word counts are estimated from a sample of the sentences."""
    total = n_units(db, f, "sentence")
    if total <= sample:
        return None
    return (f"Words counted in a random sample of {sample:,} of the {total:,} sentences in "
            "the view, scaled to the whole view.")


@lru_cache(maxsize=200_000)
def _folded(word: str) -> str:
    return fold(word)


# ---------------------------------------------------------------------------------------------
# Highlighting


def highlight_html(
    text: str,
    spans: Iterable[Sequence[Any]],
    *,
    colours: Mapping[str, str] | None = None,
    emphasis: Iterable[str] = (),
) -> str:
    """Return `text` as safe HTML, with each (start, end, label[, title]) span in a <mark>.

    The text is untrusted (scraped articles): every character outside and inside the marks goes
    through html.escape. Overlapping spans keep the first one. `emphasis` lists titles to bold.
    """
    colours = colours or TYPE_COLOURS
    bold = set(emphasis)
    out: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: (int(s[0]), -int(s[1]))):
        start, end, label = int(span[0]), int(span[1]), str(span[2])
        title = str(span[3]) if len(span) > 3 else label
        if start < pos or end <= start or end > len(text):
            continue
        colour = colours.get(label, "#999999")
        out.append(html.escape(text[pos:start]))
        inner = html.escape(text[start:end])
        if title in bold:
            inner = f"<b>{inner}</b>"
        out.append(
            f'<mark style="background-color:{colour}33;border-bottom:2px solid {colour};'
            f'padding:0 2px;border-radius:2px" title="{html.escape(f"{title} ({label})")}">'
            f"{inner}</mark>"
        )
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)
