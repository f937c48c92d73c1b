"""One contract test over every stage: output matches pipeline/schema.py, empty in → empty out,
inputs untouched. Plus the invariants between tables on the seed dataset."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from pipeline import schema
from pipeline.annotate import SPAN_COLUMNS, annotate_articles
from pipeline.curation import apply_curation
from pipeline.events import extract_events, infer_publication_dates
from pipeline.quotes import extract_quotes
from pipeline.resolve import resolve_entities
from pipeline.sentiment import score_articles, score_entities, score_sentences


def _empty_spans() -> pd.DataFrame:
    return schema.empty("mentions")[SPAN_COLUMNS]


def _spans(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return tables["mentions"][SPAN_COLUMNS]


# stage name → (function of the tables, output table name or names)
STAGES: dict[str, tuple[Callable[[dict], object], tuple[str, ...]]] = {
    "events": (lambda t: extract_events(t["articles"], t["sentences"]), ("events",)),
    "dates": (lambda t: infer_publication_dates(t["articles"], t["events"]), ("articles",)),
    "resolve": (lambda t: (lambda r: (r.mentions, r.entities, r.aliases))(
        resolve_entities(t["spans"], t["articles"])), ("mentions", "entities", "aliases")),
    "sentiment-sentences": (lambda t: score_sentences(t["sentences"], t["articles"]),
                            ("sentences",)),
    "sentiment-articles": (lambda t: score_articles(t["articles"], t["sentences"]), ("articles",)),
    "sentiment-entities": (lambda t: score_entities(t["entities"], t["mentions"], t["sentences"]),
                           ("entities",)),
    "quotes": (lambda t: extract_quotes(t["articles"], t["sentences"], t["mentions"]),
               ("quotes",)),
    "curation": (lambda t: apply_curation(t["mentions"], t["entities"], t["aliases"],
                                          pd.DataFrame(columns=["action", "entity", "target",
                                                                "value", "note"])),
                 ("mentions", "entities", "aliases")),
}


def _inputs(seed_tables: dict[str, pd.DataFrame], empty: bool) -> dict[str, pd.DataFrame]:
    if empty:
        tables = {name: schema.empty(name) for name in schema.TABLES}
        tables["spans"] = _empty_spans()
    else:
        tables = {name: frame.copy() for name, frame in seed_tables.items()}
        tables["spans"] = _spans(seed_tables)
    return tables


@pytest.mark.parametrize("empty", [False, True], ids=["seeds", "empty"])
@pytest.mark.parametrize("stage", list(STAGES))
def test_stage_output_matches_schema_and_leaves_inputs_alone(stage, empty, seed_tables):
    function, outputs = STAGES[stage]
    tables = _inputs(seed_tables, empty)
    before = {name: frame.copy() for name, frame in tables.items()}
    result = function(tables)
    frames = result if isinstance(result, tuple) else (result,)
    assert len(frames) == len(outputs)
    for name, frame in zip(outputs, frames, strict=True):
        schema.check(name, frame)
        if empty:
            assert frame.empty, f"{stage}: empty input gave {len(frame)} {name} rows"
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name], obj=f"{stage} changed its input {name}")


def test_annotate_stage_empty_in_empty_out(french_nlp):
    out = annotate_articles(schema.empty("articles"), models={"fr": french_nlp})
    schema.check("sentences", out.sentences)
    assert out.sentences.empty and out.spans.empty


def test_every_stored_table_matches_its_schema(seed_tables):
    for name, frame in seed_tables.items():
        schema.check(name, frame)


def test_every_mention_slices_back_into_its_article(seed_tables):
    text = seed_tables["articles"].set_index("article_id")["text"]
    mentions = seed_tables["mentions"]
    assert len(mentions) > 100
    for row in mentions.itertuples():
        assert text[row.article_id][row.start:row.end] == row.surface


def test_sentences_hold_their_mentions_and_events(seed_tables):
    sentences = seed_tables["sentences"].set_index(["article_id", "sentence_id"])
    for table in ("mentions", "events"):
        frame = seed_tables[table]
        bounds = sentences.loc[list(zip(frame["article_id"], frame["sentence_id"], strict=True))]
        assert (bounds["start"].to_numpy() <= frame["start"].to_numpy()).all()
        assert (frame["end"].to_numpy() <= bounds["end"].to_numpy()).all()


def test_entity_counts_equal_the_mentions(seed_tables):
    mentions, entities = seed_tables["mentions"], seed_tables["entities"].set_index("entity_id")
    assert set(mentions["entity_id"]) == set(entities.index)
    counts = mentions.groupby("entity_id").agg(n=("start", "size"), a=("article_id", "nunique"))
    assert (counts["n"] == entities.loc[counts.index, "n_mentions"]).all()
    assert (counts["a"] == entities.loc[counts.index, "n_articles"]).all()
    aliases = seed_tables["aliases"].groupby("entity_id")["n_mentions"].sum()
    assert (aliases == entities.loc[aliases.index, "n_mentions"]).all()


def test_sentiment_is_between_minus_one_and_one(seed_tables):
    for table in ("sentences", "articles", "entities"):
        values = seed_tables[table]["sentiment"].dropna()
        assert values.between(-1, 1).all(), table
    assert seed_tables["articles"]["sentiment"].notna().all()


def test_report_and_articles_are_disjoint(seed_tables):
    assert not set(seed_tables["report"]["origin"]) & set(seed_tables["articles"]["origin"])
