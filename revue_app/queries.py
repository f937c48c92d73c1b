"""Queries: pure functions from the pipeline's tables to the frames the charts draw.

No Streamlit here: every function takes and returns DataFrames (or plain values), so the pages
stay thin and everything is unit-tested on hand-built frames. Tables follow `pipeline.schema`.
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

from revue_app.vocab import LABELS as LABELS  # re-exported: filters.py and tests use q.LABELS
from revue_app.vocab import TYPE_COLOURS, Freq
from revue_app.vocab import sentiment_word as sentiment_word  # re-exported for the pages

Tables = Mapping[str, pd.DataFrame]
Window = Literal["sentence", "article"]
Weight = Literal["count", "pmi", "npmi", "jaccard"]

UNKNOWN_SOURCE = "(unknown source)"
SENTENCE_KEYS = ["article_id", "sentence_id"]
# Below these, PMI-style weights are dominated by chance: the Network page says so.
MIN_UNITS_FOR_PMI = 30
MIN_SUPPORT_FOR_PMI = 3


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices. Empty tuples and None mean "no restriction"."""

    date_from: date | None = None
    date_to: date | None = None
    labels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    min_mentions: int = 1
    search: str = ""

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


def sentence_texts(tables: Tables) -> pd.DataFrame:
    """Return `sentences` with a `text` column cut from `articles.text` by the offsets."""
    sentences = tables["sentences"]
    texts = dict(zip(tables["articles"]["article_id"], tables["articles"]["text"], strict=True))
    cut = [
        texts.get(aid, "")[start:end]
        for aid, start, end in zip(
            sentences["article_id"], sentences["start"], sentences["end"], strict=True
        )
    ]
    return sentences.assign(text=pd.Series(cut, index=sentences.index, dtype="str"))


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
# Filters


def apply_filters(tables: Tables, filters: Filters) -> dict[str, pd.DataFrame]:
    """Return the tables restricted to the filters, with entity counts recomputed for the view.

    Articles are kept by date, source and id; mentions by entity type; the search keeps only the
    sentences that contain the text (accents and case ignored) and the articles that have one;
    entities below the minimum number of mentions (in the view) are dropped.
    """
    articles = tables["articles"]
    keep = pd.Series(True, index=articles.index)
    if filters.date_from is not None:
        keep &= articles["published"] >= pd.Timestamp(filters.date_from)
    if filters.date_to is not None:
        keep &= articles["published"] < pd.Timestamp(filters.date_to) + pd.Timedelta(days=1)
    if filters.sources:
        keep &= source_names(articles).isin(filters.sources)
    if filters.articles:
        keep &= articles["article_id"].isin(filters.articles)
    articles = articles[keep.fillna(False).astype(bool)]
    ids = set(articles["article_id"])

    sentences = tables["sentences"]
    sentences = sentences[sentences["article_id"].isin(ids)]
    needle = fold(filters.search.strip())
    if needle:
        with_text = sentence_texts({"sentences": sentences, "articles": articles})
        hit = with_text["text"].map(lambda t: needle in fold(t)).astype(bool)
        sentences = sentences[hit.to_numpy()]
        ids = set(sentences["article_id"])
        articles = articles[articles["article_id"].isin(ids)]

    def in_sentences(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["article_id"].isin(ids)]
        if not needle:
            return frame
        keys = pd.MultiIndex.from_frame(sentences[SENTENCE_KEYS])
        return frame[pd.MultiIndex.from_frame(frame[SENTENCE_KEYS]).isin(keys)]

    mentions = in_sentences(tables["mentions"])
    if filters.labels:
        # By the entity's type (its majority label), not each mention's NER label: OpenAI is
        # MISC even where the model once tagged it PER, and must not turn up under PER.
        mentions = mentions[entity_labels(mentions, tables["entities"]).isin(filters.labels)]
    if filters.min_mentions > 1:
        counts = mentions["entity_id"].value_counts()
        mentions = mentions[
            mentions["entity_id"].map(counts).fillna(0).to_numpy() >= filters.min_mentions
        ]

    entities = recount_entities(tables["entities"], mentions, sentences)
    kept = set(entities["entity_id"])
    aliases = tables["aliases"][tables["aliases"]["entity_id"].isin(kept)]
    quotes = in_sentences(tables["quotes"])
    return {
        **tables,
        "articles": articles.reset_index(drop=True),
        "sentences": sentences.reset_index(drop=True),
        "mentions": mentions.reset_index(drop=True),
        "entities": entities,
        "aliases": aliases.reset_index(drop=True),
        "events": in_sentences(tables["events"]).reset_index(drop=True),
        "quotes": quotes.reset_index(drop=True),
    }


def entity_labels(mentions: pd.DataFrame, entities: pd.DataFrame) -> pd.Series:
    """Return each mention's entity type (the entity's label; the mention's own if unknown)."""
    labels = dict(zip(entities["entity_id"], entities["label"], strict=True))
    return pd.Series([labels.get(e, lab) for e, lab in zip(mentions["entity_id"],
                                                          mentions["label"], strict=True)],
                     index=mentions.index, dtype="str")


def recount_entities(
    entities: pd.DataFrame, mentions: pd.DataFrame, sentences: pd.DataFrame
) -> pd.DataFrame:
    """Return the entities present in `mentions`, with counts and sentiment for those mentions."""
    n_mentions = mentions["entity_id"].value_counts()
    n_articles = mentions.groupby("entity_id")["article_id"].nunique()
    out = entities[entities["entity_id"].isin(n_mentions.index)].copy()
    out["n_mentions"] = out["entity_id"].map(n_mentions).astype("int64")
    out["n_articles"] = out["entity_id"].map(n_articles).astype("int64")
    pairs = mentions[["entity_id", *SENTENCE_KEYS]].drop_duplicates()
    scored = pairs.merge(
        sentences[[*SENTENCE_KEYS, "sentiment"]].dropna(subset=["sentiment"]), on=SENTENCE_KEYS
    )
    out["sentiment"] = out["entity_id"].map(scored.groupby("entity_id")["sentiment"].mean())
    out["sentiment"] = out["sentiment"].astype("float64")
    return out.sort_values(["n_mentions", "name"], ascending=[False, True], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Counts


def top_entities(
    entities: pd.DataFrame, *, n: int = 10, labels: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return the `n` most mentioned entities of each label (all labels when `labels` is None)."""
    frame = entities
    if labels:
        frame = frame[frame["label"].isin(labels)]
    frame = frame.sort_values(["n_mentions", "name"], ascending=[False, True])
    top = frame.groupby("label", sort=False).head(n)
    cols = ["entity_id", "name", "label", "n_mentions", "n_articles", "sentiment"]
    return top[cols].reset_index(drop=True)


def default_timeline_entities(entities: pd.DataFrame, *, n: int = 5) -> list[str]:
    """Return the ids of the `n` most mentioned entities, any type (ties: by name)."""
    ranked = entities.sort_values(["n_mentions", "name"], ascending=[False, True])
    return ranked["entity_id"].head(n).astype("str").tolist()


def mention_counts_by_article(
    mentions: pd.DataFrame, articles: pd.DataFrame, entities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return mentions per article and entity type (long form), articles in date order.

    With `entities`, a mention counts under its entity's type rather than its NER label.
    """
    if entities is not None:
        mentions = mentions.assign(label=entity_labels(mentions, entities))
    counts = mentions.groupby(["article_id", "label"]).size().rename("n_mentions").reset_index()
    meta = articles[["article_id", "title", "published"]].assign(
        article=article_label(articles), source=source_names(articles)
    )
    out = meta.merge(counts, on="article_id", how="inner")
    out = out.sort_values(["published", "article", "label"], na_position="last")
    return out[["article_id", "article", "title", "source", "published", "label", "n_mentions"]]


def mention_counts_by_source(
    mentions: pd.DataFrame, articles: pd.DataFrame, entities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return mentions per source and entity type, with the number of articles of each source."""
    if entities is not None:
        mentions = mentions.assign(label=entity_labels(mentions, entities))
    meta = articles[["article_id"]].assign(source=source_names(articles))
    counts = (
        mentions.merge(meta, on="article_id")
        .groupby(["source", "label"])
        .size()
        .rename("n_mentions")
        .reset_index()
    )
    n_articles = meta.groupby("source").size().rename("n_articles").reset_index()
    return counts.merge(n_articles, on="source").sort_values(
        ["n_mentions", "source"], ascending=[False, True], ignore_index=True
    )


def corpus_counts(tables: Tables) -> dict[str, object]:
    """Return the headline numbers of the view: articles, sentences, mentions, entities, dates."""
    published = tables["articles"]["published"].dropna()
    return {
        "articles": len(tables["articles"]),
        "sentences": len(tables["sentences"]),
        "mentions": len(tables["mentions"]),
        "entities": len(tables["entities"]),
        "first": published.min() if len(published) else None,
        "last": published.max() if len(published) else None,
        "undated": int(tables["articles"]["published"].isna().sum()),
    }


def _period_start(dates: pd.Series, freq: Freq) -> pd.Series:
    """Return the first day of the day/ISO week (Monday)/month each date falls in."""
    dates = dates.dt.normalize()
    if freq == "D":
        return dates
    if freq == "W":
        return dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    return dates - pd.to_timedelta(dates.dt.day - 1, unit="D")


# The time step picked when the user leaves it on "auto": the finest that keeps the axis
# readable — days up to two months, weeks up to half a year, months beyond.
AUTO_DAYS_MAX = 62
AUTO_WEEKS_MAX = 183


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


def mention_dates(mentions: pd.DataFrame, articles: pd.DataFrame,
                  entity_ids: Iterable[str]) -> pd.Series:
    """Return the publication dates of the articles that mention any of the entities (what a
    timeline of them spans; feed it to `auto_freq`)."""
    wanted = set(entity_ids)
    ids = set(mentions.loc[mentions["entity_id"].isin(wanted), "article_id"])
    return articles.loc[articles["article_id"].isin(ids), "published"].dropna()


def _periods(first: pd.Timestamp, last: pd.Timestamp, freq: Freq) -> pd.DatetimeIndex:
    rule = {"D": "D", "W": "W-MON", "M": "MS"}[freq]
    return pd.date_range(first, last, freq=rule)


def entity_timeline(
    mentions: pd.DataFrame,
    articles: pd.DataFrame,
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
    dated = articles[["article_id", "published"]].dropna(subset=["published"])
    rows = mentions[mentions["entity_id"].isin(wanted)].merge(dated, on="article_id")
    if rows.empty or not wanted:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            cols, ["datetime64[us]", "str", "str", "int64"], strict=True)})
    rows = rows.assign(period=_period_start(rows["published"], freq))
    counts = rows.groupby(["period", "entity_id"]).size()
    grid = pd.MultiIndex.from_product(
        [_periods(rows["period"].min(), rows["period"].max(), freq), wanted],
        names=["period", "entity_id"],
    )
    out = counts.reindex(grid, fill_value=0).rename("n_mentions").reset_index()
    out["n_mentions"] = out["n_mentions"].astype("int64")
    lookup = dict(names or {})
    out["name"] = pd.Series([lookup.get(e, e) for e in out["entity_id"]], dtype="str")
    return out[cols]


def entity_sentiment_by_article(tables: Tables, entity_id: str) -> pd.DataFrame:
    """Return, per article, the mean sentiment of the sentences mentioning the entity."""
    sent = _entity_sentences(tables, entity_id)
    if sent.empty:
        return pd.DataFrame(columns=["article_id", "article", "published", "sentiment",
                                     "n_sentences"])
    grouped = (
        sent.dropna(subset=["sentiment"])
        .groupby("article_id")["sentiment"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "sentiment", "size": "n_sentences"})
        .reset_index()
    )
    articles = tables["articles"]
    meta = articles[["article_id", "published"]].assign(article=article_label(articles))
    out = meta.merge(grouped, on="article_id").sort_values(["published", "article"])
    return out[["article_id", "article", "published", "sentiment", "n_sentences"]].reset_index(
        drop=True
    )


def entity_sentiment_timeline(tables: Tables, entity_id: str, freq: Freq = "D") -> pd.DataFrame:
    """Return the mean sentiment of the sentences mentioning the entity, per period."""
    sent = _entity_sentences(tables, entity_id).dropna(subset=["sentiment"])
    dated = tables["articles"][["article_id", "published"]].dropna(subset=["published"])
    sent = sent.merge(dated, on="article_id")
    if sent.empty:
        return pd.DataFrame({"period": pd.Series(dtype="datetime64[us]"),
                             "sentiment": pd.Series(dtype="float64"),
                             "n_sentences": pd.Series(dtype="int64")})
    sent = sent.assign(period=_period_start(sent["published"], freq))
    out = sent.groupby("period")["sentiment"].agg(["mean", "size"]).reset_index()
    return out.rename(columns={"mean": "sentiment", "size": "n_sentences"})


def _entity_sentences(tables: Tables, entity_id: str) -> pd.DataFrame:
    mentions = tables["mentions"]
    keys = mentions.loc[mentions["entity_id"] == entity_id, SENTENCE_KEYS].drop_duplicates()
    return tables["sentences"].merge(keys, on=SENTENCE_KEYS)


# ---------------------------------------------------------------------------------------------
# Co-occurrence


def cooccurrence(
    mentions: pd.DataFrame,
    *,
    window: Window = "sentence",
    weight: Weight = "count",
    min_support: int = 1,
    n_units: int | None = None,
) -> pd.DataFrame:
    """Return one row per pair of entities seen together in a sentence (or article).

    Columns: a, b (entity ids, a < b), n (units holding both), n_a, n_b (units holding each),
    weight. With N units (`n_units`, default: the units that hold any mention):
    pmi = log2(n·N / (n_a·n_b)); npmi = pmi / -log2(n/N) (1 when the pair is in every unit);
    jaccard = n / (n_a + n_b - n); count = n. Pairs with n < `min_support` are dropped.
    """
    keys = SENTENCE_KEYS if window == "sentence" else ["article_id"]
    units = mentions[[*keys, "entity_id"]].drop_duplicates()
    cols = ["a", "b", "n", "n_a", "n_b", "weight"]
    total = n_units if n_units is not None else len(units[keys].drop_duplicates())
    if units.empty:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in "ab" else "int64") for c in cols})
    units = units.assign(unit=units.groupby(keys, sort=False).ngroup())[["unit", "entity_id"]]
    per_entity = units["entity_id"].value_counts()
    pairs = units.merge(units, on="unit", suffixes=("_a", "_b"))
    pairs = pairs[pairs["entity_id_a"] < pairs["entity_id_b"]]
    edges = (
        pairs.groupby(["entity_id_a", "entity_id_b"]).size().rename("n").reset_index()
        .rename(columns={"entity_id_a": "a", "entity_id_b": "b"})
    )
    edges = edges[edges["n"] >= max(1, min_support)]
    edges["n"] = edges["n"].astype("int64")
    edges["n_a"] = edges["a"].map(per_entity).astype("int64")
    edges["n_b"] = edges["b"].map(per_entity).astype("int64")
    edges["weight"] = association(edges["n"], edges["n_a"], edges["n_b"], max(total, 1), weight)
    return edges.sort_values(["weight", "n", "a", "b"], ascending=[False, False, True, True],
                             ignore_index=True)[cols]


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


def n_units(tables: Tables, window: Window) -> int:
    """Return the number of sentences (or articles) in the view: N for PMI."""
    return len(tables["sentences"]) if window == "sentence" else len(tables["articles"])


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


def co_mentioned(
    mentions: pd.DataFrame,
    entity_id: str,
    *,
    entities: pd.DataFrame,
    window: Window = "sentence",
    weight: Weight = "count",
    min_support: int = 1,
    n_total: int | None = None,
) -> pd.DataFrame:
    """Return the entities seen with `entity_id`, strongest first: other, name, label, n, weight."""
    edges = cooccurrence(mentions, window=window, weight=weight, min_support=min_support,
                         n_units=n_total)
    mine = edges[(edges["a"] == entity_id) | (edges["b"] == entity_id)]
    other = mine["b"].where(mine["a"] == entity_id, mine["a"])
    out = pd.DataFrame({"entity_id": other.astype("str"), "n": mine["n"],
                        "weight": mine["weight"]})
    out = out.merge(entities[["entity_id", "name", "label"]], on="entity_id", how="left")
    out["name"] = out["name"].fillna(out["entity_id"])
    out = out.sort_values(["weight", "n", "name"], ascending=[False, False, True],
                          ignore_index=True)
    return out[["entity_id", "name", "label", "n", "weight"]]


# ---------------------------------------------------------------------------------------------
# Evidence


def _spans_by_sentence(mentions: pd.DataFrame, names: Mapping[str, str],
                       labels: pd.Series) -> dict[tuple, list]:
    spans: dict[tuple, list] = {}
    for aid, sid, start, end, label, eid in zip(
        mentions["article_id"], mentions["sentence_id"], mentions["start"], mentions["end"],
        labels, mentions["entity_id"], strict=True,
    ):
        spans.setdefault((aid, sid), []).append((int(start), int(end), label, names.get(eid, eid)))
    return spans


def evidence(tables: Tables, entity_id: str) -> pd.DataFrame:
    """Return every sentence mentioning the entity, with what a reader needs to judge it.

    Columns: article_id, sentence_id, published, date_source, title, source, sentence, surface
    (the forms used), sentiment, sentiment_terms, and `spans`: (start, end, label, name) of the
    entity's mentions relative to the sentence, for highlighting.
    """
    mentions = tables["mentions"]
    mine = mentions[mentions["entity_id"] == entity_id]
    return _sentence_rows(tables, mine)


def pair_evidence(tables: Tables, a: str, b: str, *, window: Window = "sentence") -> pd.DataFrame:
    """Return the sentences where both entities appear (sentence window), or the sentences that
    mention either of them in the articles where both appear (article window)."""
    mentions = tables["mentions"]
    both = mentions[mentions["entity_id"].isin([a, b])]
    keys = SENTENCE_KEYS if window == "sentence" else ["article_id"]
    per_unit = both.groupby(keys)["entity_id"].nunique()
    shared = per_unit[per_unit == 2].index
    if window == "sentence":
        both = both[pd.MultiIndex.from_frame(both[keys]).isin(shared)]
    else:
        both = both[both["article_id"].isin(shared)]
    return _sentence_rows(tables, both)


def _sentence_rows(tables: Tables, mentions: pd.DataFrame) -> pd.DataFrame:
    cols = ["article_id", "sentence_id", "published", "date_source", "title", "source",
            "sentence", "surface", "sentiment", "sentiment_terms", "spans"]
    if mentions.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    names = dict(zip(tables["entities"]["entity_id"], tables["entities"]["name"], strict=True))
    keys = mentions[SENTENCE_KEYS].drop_duplicates()
    sentences = sentence_texts(tables).merge(keys, on=SENTENCE_KEYS)
    articles = tables["articles"]
    sentences = sentences.merge(
        articles[["article_id", "published", "date_source", "title"]].assign(
            source=source_names(articles)), on="article_id")
    spans = _spans_by_sentence(mentions, names, entity_labels(mentions, tables["entities"]))
    starts = dict(zip(zip(sentences["article_id"], sentences["sentence_id"], strict=True),
                      sentences["start"], strict=True))
    rel = {
        key: sorted((s - starts[key], e - starts[key], label, name)
                    for s, e, label, name in items)
        for key, items in spans.items() if key in starts
    }
    keys_list = list(zip(sentences["article_id"], sentences["sentence_id"], strict=True))
    surfaces = mentions.groupby(SENTENCE_KEYS)["surface"].agg(
        lambda s: "; ".join(dict.fromkeys(s)))
    out = sentences.assign(
        sentence=sentences["text"],
        surface=[surfaces.get(k, "") for k in keys_list],
        spans=[rel.get(k, []) for k in keys_list],
    )
    out = out.sort_values(["published", "article_id", "sentence_id"], na_position="last")
    return out[cols].reset_index(drop=True)


def article_spans(tables: Tables, article_id: str) -> list[tuple[int, int, str, str]]:
    """Return (start, end, type, entity name) of every mention in an article, in text order."""
    mentions = tables["mentions"]
    mine = mentions[mentions["article_id"] == article_id].sort_values("start")
    names = dict(zip(tables["entities"]["entity_id"], tables["entities"]["name"], strict=True))
    labels = entity_labels(mine, tables["entities"])
    return [
        (int(s), int(e), label, names.get(eid, eid))
        for s, e, label, eid in zip(mine["start"], mine["end"], labels, mine["entity_id"],
                                    strict=True)
    ]


def quotes_for(tables: Tables, entity_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (quotes said by the entity, quotes in sentences that mention it), with titles."""
    quotes = tables["quotes"]
    articles = tables["articles"][["article_id", "title", "published"]]
    said = quotes[quotes["speaker_id"] == entity_id]
    mentions = tables["mentions"]
    keys = mentions.loc[mentions["entity_id"] == entity_id, SENTENCE_KEYS].drop_duplicates()
    about = quotes.merge(keys, on=SENTENCE_KEYS)
    about = about[about["speaker_id"].fillna("") != entity_id]
    cols = ["published", "title", "quote", "speaker", "cue", "article_id", "sentence_id"]
    return (said.merge(articles, on="article_id")[cols].reset_index(drop=True),
            about.merge(articles, on="article_id")[cols].reset_index(drop=True))


def events_with_entities(tables: Tables) -> pd.DataFrame:
    """Return the dated events with their sentence, article title and the entities in it.

    Adds columns: sentence, title, published, date_source, entity_ids (list), entities (names).
    """
    events = tables["events"]
    cols = [*events.columns, "sentence", "title", "published", "date_source", "entity_ids",
            "entities"]
    if events.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    sentences = sentence_texts(tables)[[*SENTENCE_KEYS, "text"]].rename(
        columns={"text": "sentence"})
    out = events.merge(sentences, on=SENTENCE_KEYS, how="left").merge(
        tables["articles"][["article_id", "title", "published", "date_source"]],
        on="article_id", how="left")
    names = dict(zip(tables["entities"]["entity_id"], tables["entities"]["name"], strict=True))
    per_sentence = tables["mentions"].groupby(SENTENCE_KEYS)["entity_id"].agg(
        lambda s: list(dict.fromkeys(s)))
    keys = list(zip(out["article_id"], out["sentence_id"], strict=True))
    ids = [per_sentence.get(k, []) for k in keys]
    out["entity_ids"] = ids
    out["entities"] = ["; ".join(names.get(i, i) for i in row) for row in ids]
    return out.sort_values(["date", "published", "article_id", "start"],
                           ignore_index=True)[cols]


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


_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_ELIDED = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu)'", re.IGNORECASE)


def word_frequencies(
    tables: Tables, *, mode: Literal["entities", "words"] = "entities", n: int = 150
) -> pd.DataFrame:
    """Return the `n` most frequent entity names, or content words (stop words removed).

    Columns: term, n, label (entity type, or empty for words).
    """
    if mode == "entities":
        ent = tables["entities"].sort_values("n_mentions", ascending=False).head(n)
        return pd.DataFrame({"term": ent["name"].astype("str"),
                             "n": ent["n_mentions"].astype("int64"),
                             "label": ent["label"].astype("str")}).reset_index(drop=True)
    stop = stop_words()
    raw_counts = Counter(
        _ELIDED.sub("", raw)
        for text in sentence_texts(tables)["text"]
        for raw in _WORD.findall(text.replace("\u2019", "'").lower())
    )
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
                         "n": pd.Series([v for _, v in top], dtype="int64"),
                         "label": pd.Series([""] * len(top), dtype="str")})


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
