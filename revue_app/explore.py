"""Explore: the queries behind the Search and Compare pages, on the dataset's DuckDB engine.

Like `revue_app.queries`, each function takes the engine and the filters and returns a small
frame: the SQL does the counting over the whole view, only what is drawn comes back. Search
terms follow `revue_app.search` (words, "phrases", prefix*, OR); the keyword-in-context rows
are cut in Python from the matching sentences only, up to a limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from revue_app import search
from revue_app.engine import Engine, lit
from revue_app.queries import _TRUNC, UNKNOWN_SOURCE, Filters, Freq, _periods, run

_SENTENCE_TEXT = 'substring(t.text, s.start + 1, s."end" - s.start)'
# the view's sentences with their article (fa a) and its text (texts t: kept out of `articles`)
_WITH_TEXT = ("fs s JOIN fa a ON a.article_id = s.article_id "
              "JOIN texts t ON t.article_id = s.article_id::VARCHAR")


# --- Search -----------------------------------------------------------------------------------


def search_counts(db: Engine, f: Filters) -> dict[str, int]:
    """Return how many hits, sentences and articles the view's search matches."""
    query = search.parse(f.search)
    if not query:
        return {"hits": 0, "sentences": 0, "articles": 0}
    row = run(db, f, f"""SELECT coalesce(sum({search.sql_hits(query, f'fold({_SENTENCE_TEXT})')}),
            0) AS hits, count(*) AS sentences, count(DISTINCT s.article_id) AS articles
        FROM {_WITH_TEXT}""").iloc[0]
    return {k: int(row[k]) for k in ("hits", "sentences", "articles")}


KWIC_COLUMNS = ["left", "hit", "right", "published", "title", "source", "article_id",
                "sentence_id", "start"]


def kwic_rows(db: Engine, f: Filters, *, limit: int = 500, width: int = 70) -> pd.DataFrame:
    """Return the keyword-in-context rows of the view's search: left context, hit, right
    context, and where (article, sentence, offset of the hit in the article), in text order,
    from the first `limit` matching sentences."""
    query = search.parse(f.search)
    empty = pd.DataFrame({c: pd.Series(dtype="str") for c in KWIC_COLUMNS})
    if not query:
        return empty
    sentences = run(db, f, f"""SELECT s.article_id::VARCHAR AS article_id, s.sentence_id,
            s.start AS offset,
            {_SENTENCE_TEXT} AS sentence, a.title, a.published,
            coalesce(a.source, {lit(UNKNOWN_SOURCE)}) AS source
        FROM {_WITH_TEXT}
        ORDER BY a.published NULLS LAST, s.article_id, s.sentence_id LIMIT {int(limit)}""")
    rows = []
    for r in sentences.itertuples(index=False):
        text = str(r.sentence)
        spans = search.hits(query, text)
        for (start, _), (left, hit, right) in zip(spans, search.kwic(text, spans, width=width),
                                                  strict=True):
            rows.append({"left": left, "hit": hit, "right": right, "published": r.published,
                         "title": r.title, "source": r.source, "article_id": r.article_id,
                         "sentence_id": int(r.sentence_id), "start": int(r.offset) + start})
    if not rows:
        return empty
    out = pd.DataFrame(rows, columns=KWIC_COLUMNS)
    out["published"] = pd.to_datetime(out["published"]).astype("datetime64[us]")
    return out.astype({"left": "str", "hit": "str", "right": "str", "article_id": "str"})


def article_hits(db: Engine, f: Filters, *, limit: int = 1000) -> pd.DataFrame:
    """Return the articles the view's search matches, with their hit and sentence counts,
    most hits first."""
    query = search.parse(f.search)
    cols = ["article_id", "title", "published", "source", "hits", "sentences"]
    if not query:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    out = run(db, f, f"""SELECT s.article_id::VARCHAR AS article_id, any_value(a.title) AS title,
            any_value(a.published) AS published,
            coalesce(any_value(a.source), {lit(UNKNOWN_SOURCE)}) AS source,
            sum({search.sql_hits(query, f'fold({_SENTENCE_TEXT})')}) AS hits,
            count(*) AS sentences
        FROM {_WITH_TEXT} GROUP BY s.article_id
        ORDER BY hits DESC, published NULLS LAST, article_id LIMIT {int(limit)}""")
    out["published"] = pd.to_datetime(out["published"]).astype("datetime64[us]")
    return out.astype({"hits": "int64", "sentences": "int64", "article_id": "str"})[cols]


def term_trends(db: Engine, f: Filters, terms: Iterable[str], freq: Freq = "M"
                ) -> pd.DataFrame:
    """Return the hits of each term per period (publication date), zero-filled, in the view
    without its own search (a term's trend is not cut by another term). Columns as
    `queries.entity_timeline` (period, entity_id = the term, name, n_mentions = hits), so the
    same chart draws words beside entities."""
    cols = ["period", "entity_id", "name", "n_mentions"]
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        cols, ["datetime64[us]", "str", "str", "int64"], strict=True)})
    wanted = [t for t in dict.fromkeys(t.strip() for t in terms) if search.parse(t)]
    if not wanted:
        return empty
    base = replace(f, search="")
    parts = []
    for term in wanted:
        query = search.parse(term)
        counts = run(db, base, f"""SELECT date_trunc('{_TRUNC[freq]}', a.published) AS period,
                sum({search.sql_hits(query, f'fold({_SENTENCE_TEXT})')}) AS n
            FROM {_WITH_TEXT}
            WHERE a.published IS NOT NULL
              AND {search.sql_condition(query, f'fold({_SENTENCE_TEXT})')}
            GROUP BY ALL""")
        counts["entity_id"] = term
        parts.append(counts)
    counts = pd.concat(parts, ignore_index=True)
    if counts.empty:
        return empty
    counts["period"] = pd.to_datetime(counts["period"]).astype("datetime64[us]")
    series = counts.set_index(["period", "entity_id"])["n"]
    dated = run(db, base, f"""SELECT min(date_trunc('{_TRUNC[freq]}', published)) AS lo,
        max(date_trunc('{_TRUNC[freq]}', published)) AS hi FROM fa""").iloc[0]
    grid = pd.MultiIndex.from_product(
        [_periods(pd.Timestamp(dated["lo"]), pd.Timestamp(dated["hi"]), freq), wanted],
        names=["period", "entity_id"])
    out = series.reindex(grid, fill_value=0).rename("n_mentions").reset_index()
    out["n_mentions"] = out["n_mentions"].astype("int64")
    out["period"] = out["period"].astype("datetime64[us]")
    out["entity_id"] = out["entity_id"].astype("str")
    out["name"] = out["entity_id"].map(lambda t: f"“{t}”").astype("str")
    return out[cols]


# --- Compare ----------------------------------------------------------------------------------


def attention(db: Engine, f: Filters, *, what: str, freq: Freq = "M",
              unit: str = "articles") -> pd.DataFrame:
    """Return the attention each source gives to `what` per period: the share of that source's
    articles (or mentions) in the period that match it — Media Cloud's normalised attention,
    so a big outlet does not look more interested just for publishing more.

    `what`: an entity id (`per:…`) or a search query. Columns: period, source, matching,
    total, share (0–1)."""
    cols = ["period", "source", "matching", "total", "share"]
    trunc = _TRUNC[freq]
    if what.count(":") == 1 and " " not in what and db.scalar(
            f"SELECT count(*) FROM entities WHERE entity_id::VARCHAR = {lit(what)}"):
        if unit == "mentions":
            match = f"""SELECT m.article_id, count(*) FILTER (WHERE m.entity_id = {lit(what)})
                AS k, count(*) AS n FROM fm m GROUP BY m.article_id"""
        else:
            match = f"""SELECT article_id, 1 AS k, 1 AS n FROM fm
                WHERE entity_id = {lit(what)} GROUP BY article_id"""
    else:
        query = search.parse(what)
        if not query:
            return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
        cond = search.sql_condition(query, f"fold({_SENTENCE_TEXT})")
        if unit == "mentions":  # hits among the words? keep it simple: matching sentences
            match = f"""SELECT s.article_id, count(*) FILTER (WHERE {cond}) AS k,
                count(*) AS n FROM {_WITH_TEXT} GROUP BY s.article_id"""
        else:
            match = f"""SELECT DISTINCT s.article_id, 1 AS k, 1 AS n FROM {_WITH_TEXT}
                WHERE {cond}"""
    if unit == "mentions":
        total = "sum(coalesce(x.n, 0))"
        matching = "sum(coalesce(x.k, 0))"
    else:
        total = "count(*)"
        matching = "count(x.article_id)"
    out = run(db, f, f"""SELECT date_trunc('{trunc}', a.published) AS period,
            coalesce(a.source, {lit(UNKNOWN_SOURCE)}) AS source,
            {matching} AS matching, {total} AS total
        FROM fa a LEFT JOIN ({match}) x USING (article_id)
        WHERE a.published IS NOT NULL GROUP BY ALL ORDER BY period, source""")
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    out["period"] = pd.to_datetime(out["period"]).astype("datetime64[us]")
    out = out.astype({"matching": "int64", "total": "int64", "source": "str"})
    out["share"] = (out["matching"] / out["total"].where(out["total"] > 0)).fillna(0.0)
    return out[cols]


def entity_by_source(db: Engine, f: Filters, entity_id: str, *, top: int = 5) -> pd.DataFrame:
    """Return one entity side by side across sources: its mentions, the share of the source's
    articles naming it, its mean sentence sentiment, and its most co-mentioned entities (same
    sentence) in that source."""
    cols = ["source", "articles", "articles_naming", "share", "mentions", "sentiment",
            "co_mentioned"]
    if not db.scalar(f"SELECT count(*) FROM entities WHERE entity_id::VARCHAR = "
                     f"{lit(entity_id)}"):
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    e = lit(entity_id)
    base = run(db, f, f"""SELECT coalesce(a.source, {lit(UNKNOWN_SOURCE)}) AS source,
            count(DISTINCT a.article_id) AS articles,
            count(DISTINCT m.article_id) AS articles_naming, count(m.article_id) AS mentions
        FROM fa a LEFT JOIN (SELECT article_id FROM fm WHERE entity_id = {e}) m
            USING (article_id)
        GROUP BY ALL ORDER BY mentions DESC, source""")
    if base.empty:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    tone = run(db, f, f"""SELECT coalesce(a.source, {lit(UNKNOWN_SOURCE)}) AS source,
            avg(s.sentiment) AS sentiment
        FROM fs s JOIN fa a USING (article_id)
        SEMI JOIN (SELECT DISTINCT article_id, sentence_id FROM fm WHERE entity_id = {e}) k
            USING (article_id, sentence_id)
        GROUP BY ALL""")
    partners = run(db, f, f"""SELECT r.source,
            string_agg(coalesce(en.name, r.entity_id::VARCHAR) || ' (' || r.n || ')', ', '
                ORDER BY r.r) AS co_mentioned
        FROM (SELECT p.*, row_number() OVER (PARTITION BY source ORDER BY n DESC, entity_id)
                AS r
              FROM (SELECT coalesce(a.source, {lit(UNKNOWN_SOURCE)}) AS source, m.entity_id,
                        count(*) AS n
                    FROM fm m SEMI JOIN (SELECT DISTINCT article_id, sentence_id FROM fm
                        WHERE entity_id = {e}) k USING (article_id, sentence_id)
                    JOIN fa a USING (article_id)
                    WHERE m.entity_id <> {e} GROUP BY ALL) p) r
        LEFT JOIN entities en USING (entity_id)
        WHERE r.r <= {int(top)} GROUP BY r.source""")
    out = base.merge(tone, on="source", how="left").merge(partners, on="source", how="left")
    out = out.astype({"articles": "int64", "articles_naming": "int64", "mentions": "int64",
                      "source": "str"})
    out["share"] = out["articles_naming"] / out["articles"].where(out["articles"] > 0)
    out["co_mentioned"] = out["co_mentioned"].fillna("").astype("str")
    return out[cols]
