"""Queries on a tiny hand-built corpus, where every count can be checked by hand.

The queries run in the engine (DuckDB) over these tables, exactly as over a dataset's Parquet.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.schema import conform, empty
from revue_app import queries as q
from revue_app.engine import Engine
from revue_app.queries import Filters

ALL = Filters()

# Three articles. Sentence units holding mentions (5 of the 6 sentences):
#   A1.0 {sam, openai}  A1.1 {microsoft, sam}  A2.0 {openai, microsoft}  A2.1 {sam}
#   A3.0 {paris, microsoft}                    (A1.2 has no mention)
ARTICLES = [
    ("a1", "Le Monde", "2023-11-17", "metadata", "Départ chez OpenAI",
     ["Sam Altman quitte OpenAI.", "Microsoft soutient Sam Altman.", "Le chaos règne."]),
    ("a2", None, "2023-11-20", "inferred", "Retour <b>attendu</b>",
     ["OpenAI et Microsoft.", "<script>alert(1)</script> Altman revient."]),
    ("a3", "Le Monde", None, "unknown", None, ["Paris accueille Microsoft."]),
]
MENTIONS = {  # (article, sentence) → [(surface, label, entity_id)]
    ("a1", 0): [("Sam Altman", "PER", "per:sam-altman"), ("OpenAI", "MISC", "misc:openai")],
    ("a1", 1): [("Microsoft", "ORG", "org:microsoft"), ("Sam Altman", "PER", "per:sam-altman")],
    ("a2", 0): [("OpenAI", "MISC", "misc:openai"), ("Microsoft", "ORG", "org:microsoft")],
    ("a2", 1): [("Altman", "PER", "per:sam-altman")],
    ("a3", 0): [("Paris", "LOC", "loc:paris"), ("Microsoft", "ORG", "org:microsoft")],
}
SENTIMENT = {("a1", 0): -0.5, ("a1", 1): 0.6, ("a1", 2): -0.8, ("a2", 0): 0.0, ("a2", 1): 0.4,
             ("a3", 0): 0.2}
NAMES = {"per:sam-altman": "Sam Altman", "misc:openai": "OpenAI",
         "org:microsoft": "Microsoft", "loc:paris": "Paris"}


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Build schema-conform tables for the three articles above, offsets computed from text."""
    arts, sents, ments, events = [], [], [], []
    for aid, source, published, how, title, sentences in ARTICLES:
        text = " ".join(sentences)
        arts.append({"article_id": aid, "origin": f"{aid}.txt", "title": title, "source": source,
                     "url": None, "published": published, "date_source": how, "language": "fr",
                     "text": text, "n_words": len(text.split()), "boilerplate": None})
        pos = 0
        for sid, sentence in enumerate(sentences):
            start = text.index(sentence, pos)
            pos = start + len(sentence)
            sents.append({"article_id": aid, "sentence_id": sid, "start": start, "end": pos,
                          "sentiment": SENTIMENT[(aid, sid)],
                          "sentiment_terms": "chaos:-0.6" if "chaos" in sentence else None})
            inner = start
            for surface, label, eid in MENTIONS.get((aid, sid), []):
                s = text.index(surface, inner)
                inner = s + len(surface)
                ments.append({"article_id": aid, "sentence_id": sid, "start": s,
                              "end": s + len(surface), "surface": surface, "label": label,
                              "entity_id": eid})
    mentions = conform("mentions", pd.DataFrame(ments))
    entities = pd.DataFrame({"entity_id": list(NAMES), "name": list(NAMES.values())})
    entities["label"] = entities["entity_id"].map(
        mentions.drop_duplicates("entity_id").set_index("entity_id")["label"])
    entities["aliases"] = entities["name"]
    entities["n_mentions"] = entities["entity_id"].map(mentions["entity_id"].value_counts())
    entities["n_articles"] = entities["entity_id"].map(
        mentions.groupby("entity_id")["article_id"].nunique())
    a1 = arts[0]["text"]
    events.append({"article_id": "a1", "sentence_id": 0, "start": 0, "end": 3,
                   "expression": a1[0:3], "date": "2023-11-17", "granularity": "day",
                   "how": "absolute"})
    aliases = pd.DataFrame({"entity_id": ["per:sam-altman", "per:sam-altman"],
                            "surface": ["Sam Altman", "Altman"], "n_mentions": [2, 1],
                            "rule": ["same-name", "surname"]})
    quotes = pd.DataFrame({"article_id": ["a1"], "sentence_id": [1], "start": [10],
                           "end": [20], "quote": ["soutient"], "speaker": ["Microsoft"],
                           "speaker_id": ["org:microsoft"], "cue": ["a dit"]})
    return {
        "articles": conform("articles", pd.DataFrame(arts)),
        "sentences": conform("sentences", pd.DataFrame(sents)),
        "mentions": mentions,
        "entities": conform("entities", entities),
        "aliases": conform("aliases", aliases),
        "events": conform("events", pd.DataFrame(events)),
        "quotes": conform("quotes", quotes),
        "report": empty("report"),
    }


@pytest.fixture()
def tables() -> dict[str, pd.DataFrame]:
    return tiny_tables()


@pytest.fixture()
def db(tables) -> Engine:
    return Engine.from_tables(tables)


def view(db: Engine, f: Filters) -> dict[str, pd.DataFrame]:
    """Return the view's tables through the filters, as the Data page exports them."""
    return {name: q.export_table(db, f, name) for name in
            ("articles", "sentences", "mentions", "entities", "aliases", "events", "quotes")}


def edge(edges: pd.DataFrame, a: str, b: str) -> pd.Series:
    a, b = sorted((a, b))
    row = edges[(edges["a"] == a) & (edges["b"] == b)]
    assert len(row) == 1, f"no edge {a} — {b}"
    return row.iloc[0]


# ---------------------------------------------------------------------------------------------


def test_tiny_tables_offsets_are_consistent(tables):
    texts = dict(zip(tables["articles"]["article_id"], tables["articles"]["text"], strict=True))
    for row in tables["mentions"].itertuples():
        assert texts[row.article_id][row.start:row.end] == row.surface


def test_cooccurrence_sentence_counts(db):
    edges = q.cooccurrence(db, ALL, window="sentence", weight="count")
    assert set(zip(edges["a"], edges["b"], strict=True)) == {
        ("misc:openai", "per:sam-altman"), ("org:microsoft", "per:sam-altman"),
        ("misc:openai", "org:microsoft"), ("loc:paris", "org:microsoft")}
    assert (edges["n"] == 1).all()
    row = edge(edges, "per:sam-altman", "org:microsoft")
    assert (row["n_a"], row["n_b"]) == (3, 3)  # Microsoft in 3 sentences, Sam Altman in 3


def test_cooccurrence_pmi_and_jaccard_by_hand(db):
    m = ALL
    # N = 6 sentences; Microsoft and Sam Altman each in 3, together in 1.
    assert q.n_units(db, ALL, "sentence") == 6
    pmi = q.cooccurrence(db, m, window="sentence", weight="pmi", n_units=6)
    assert edge(pmi, "per:sam-altman", "org:microsoft")["weight"] == pytest.approx(
        math.log2(1 * 6 / (3 * 3)))
    assert edge(pmi, "loc:paris", "org:microsoft")["weight"] == pytest.approx(1.0)
    npmi = q.cooccurrence(db, m, window="sentence", weight="npmi", n_units=6)
    assert edge(npmi, "loc:paris", "org:microsoft")["weight"] == pytest.approx(
        1.0 / -math.log2(1 / 6))
    jac = q.cooccurrence(db, m, window="sentence", weight="jaccard")
    assert edge(jac, "per:sam-altman", "org:microsoft")["weight"] == pytest.approx(1 / 5)
    assert edge(jac, "misc:openai", "per:sam-altman")["weight"] == pytest.approx(1 / 4)
    assert edge(jac, "loc:paris", "org:microsoft")["weight"] == pytest.approx(1 / 3)


def test_cooccurrence_article_window(db):
    m = ALL
    edges = q.cooccurrence(db, m, window="article", weight="count")
    assert edge(edges, "per:sam-altman", "misc:openai")["n"] == 2
    assert edge(edges, "loc:paris", "org:microsoft")["n"] == 1
    # 3 articles; Sam Altman and OpenAI each in 2, together in 2.
    assert edge(q.cooccurrence(db, m, window="article", weight="pmi"), "per:sam-altman",
                "misc:openai")["weight"] == pytest.approx(math.log2(1.5))
    assert edge(q.cooccurrence(db, m, window="article", weight="npmi"), "per:sam-altman",
                "misc:openai")["weight"] == pytest.approx(1.0)
    assert edge(q.cooccurrence(db, m, window="article", weight="jaccard"), "per:sam-altman",
                "misc:openai")["weight"] == pytest.approx(1.0)
    support = q.cooccurrence(db, m, window="article", min_support=2)
    assert len(support) == 3 and (support["n"] == 2).all()
    among = q.cooccurrence(db, m, window="article", among=["loc:paris", "org:microsoft"])
    assert len(among) == 1 and among.iloc[0]["n_b"] == 3  # Microsoft's own count is whole


def test_cooccurrence_empty(tables):
    edges = q.cooccurrence(Engine.from_tables({**tables, "mentions": empty("mentions")}), ALL)
    assert edges.empty and list(edges.columns) == ["a", "b", "n", "n_a", "n_b", "weight"]


def test_pmi_warning_on_small_corpus(db):
    edges = q.cooccurrence(db, ALL, weight="pmi", n_units=6)
    assert "mostly noise" in q.pmi_warning(6, edges, "pmi")
    assert q.pmi_warning(6, edges, "count") is None
    assert "fewer than 3" in q.pmi_warning(100, edges, "npmi")


def test_co_mentioned_ranks_partners(db):
    out = q.co_mentioned(db, ALL, "org:microsoft", window="article", weight="count")
    assert out["entity_id"].tolist()[:2] == ["misc:openai", "per:sam-altman"]
    assert out.set_index("entity_id").loc["loc:paris", "n"] == 1
    assert set(out["name"]) == {"OpenAI", "Sam Altman", "Paris"}


def test_network_keeps_the_most_mentioned_connected_entities(db):
    nodes, edges, total = q.network(db, ALL, window="sentence", top_n=2)
    assert total == 6
    assert nodes["entity_id"].tolist() == ["org:microsoft", "per:sam-altman"]
    assert list(zip(edges["a"], edges["b"], strict=True)) == [
        ("org:microsoft", "per:sam-altman")]
    # in a filtered view, sentiment is recomputed from the view's sentences
    nodes, _, _ = q.network(db, Filters(labels=("PER", "ORG")), top_n=2)
    assert nodes.set_index("entity_id")["sentiment"].to_dict() == pytest.approx(
        {"org:microsoft": (0.6 + 0.0 + 0.2) / 3, "per:sam-altman": (-0.5 + 0.6 + 0.4) / 3})


def test_filters_default_keep_everything(tables, db):
    out = view(db, Filters())
    for name in ("articles", "sentences", "mentions", "events", "quotes"):
        assert len(out[name]) == len(tables[name]), name
    assert len(out["entities"]) == 4


def test_filter_dates_drop_undated_and_out_of_range(db):
    out = view(db, Filters(date_from=date(2023, 11, 18), date_to=date(2023, 11, 30)))
    assert out["articles"]["article_id"].tolist() == ["a2"]
    assert set(out["mentions"]["article_id"]) == {"a2"}
    assert out["events"].empty  # the only event is in a1
    ent = out["entities"].set_index("entity_id")
    assert ent.loc["per:sam-altman", "n_mentions"] == 1
    assert "loc:paris" not in ent.index


def test_filter_date_to_is_inclusive(db):
    out = view(db, Filters(date_to=date(2023, 11, 17)))
    assert out["articles"]["article_id"].tolist() == ["a1"]


def test_filter_sources_with_unknown(db):
    out = view(db, Filters(sources=(q.UNKNOWN_SOURCE,)))
    assert out["articles"]["article_id"].tolist() == ["a2"]
    out = view(db, Filters(sources=("Le Monde",)))
    assert set(out["articles"]["article_id"]) == {"a1", "a3"}


def test_filter_labels_keep_misc(db):
    out = view(db, Filters(labels=("MISC",)))
    assert set(out["mentions"]["entity_id"]) == {"misc:openai"}
    assert out["entities"]["entity_id"].tolist() == ["misc:openai"]
    assert len(out["articles"]) == 3  # types filter mentions, not articles


def test_filter_types_use_the_entity_type_not_the_mention_label(tables):
    # the model once tagged "OpenAI" PER: the entity is still MISC, and stays out of PER
    mentions = tables["mentions"].copy()
    mentions.loc[mentions["surface"] == "OpenAI", "label"] = ["PER", "MISC"]
    tables = {**tables, "mentions": mentions}
    db = Engine.from_tables(tables)
    out = view(db, Filters(labels=("PER",)))
    assert set(out["mentions"]["entity_id"]) == {"per:sam-altman"}
    out = view(db, Filters(labels=("MISC",)))
    assert len(out["mentions"]) == 2
    counts, _ = q.mention_counts_by_article(db, ALL)
    by_label = counts.groupby("label")["n_mentions"].sum().to_dict()
    assert by_label["MISC"] == 2 and by_label["PER"] == 3
    spans = q.article_spans(db, "a1")
    assert [s[2] for s in spans if s[3] == "OpenAI"] == ["MISC"]


def test_filter_min_mentions_recounts(db):
    out = view(db, Filters(min_mentions=3))
    assert set(out["entities"]["entity_id"]) == {"per:sam-altman", "org:microsoft"}
    assert set(out["mentions"]["entity_id"]) == {"per:sam-altman", "org:microsoft"}
    out = view(db, Filters(min_mentions=2, articles=("a1",)))
    assert out["entities"]["entity_id"].tolist() == ["per:sam-altman"]


@pytest.mark.parametrize("window", ["sentence", "article"])
@pytest.mark.parametrize("f", [ALL, Filters(date_from=date(2023, 11, 18)),
                               Filters(labels=("ORG", "MISC")), Filters(min_mentions=2)])
def test_co_mentioned_counts_alike_with_the_per_day_table(db, window, f):
    # the page passes N (n_total): the partners' units then come from the per-day table
    full = q.co_mentioned(db, f, "org:microsoft", window=window, weight="jaccard")
    total = q.n_units(db, f, window)
    fast = q.co_mentioned(db, f, "org:microsoft", window=window, weight="jaccard",
                          n_total=total)
    assert not full.empty
    cols = ["entity_id", "name", "label", "n", "weight"]
    pd.testing.assert_frame_equal(full[cols].sort_values("entity_id", ignore_index=True),
                                  fast[cols].sort_values("entity_id", ignore_index=True))
    if f == ALL:  # units holding each partner: A1.0 A2.0 | A1.0 A1.1 A2.1; articles a1 a2
        n_other = {"sentence": {"misc:openai": 2, "per:sam-altman": 3},
                   "article": {"misc:openai": 2, "per:sam-altman": 2}}[window]
        raw = q._co_sql(db, f, "org:microsoft", q._unit_keys(window), "", 1, total=False)
        assert {k: raw.set_index("entity_id")["n_other"].to_dict()[k] for k in n_other} \
            == n_other


def test_search_finds_sentences_after_a_decomposed_accent(tables):
    # "e" + a combining accent: folding drops the mark and shortens the article, so its
    # sentences cannot be cut from the folded article at the same offsets
    arts, sents = tables["articles"].copy(), tables["sentences"].copy()
    text = "Cafe\u0301 fermé. Le conseil vote."
    arts.loc[0, "text"] = text
    sents = sents[sents["article_id"] != "a1"]
    second = text.index("Le")
    one = pd.DataFrame({"article_id": ["a1", "a1"], "sentence_id": [0, 1],
                        "start": [0, second], "end": [second - 1, len(text)],
                        "sentiment": [None, None],
                        "sentiment_terms": [None, None]})
    tables = {**tables, "articles": arts,
              "sentences": conform("sentences", pd.concat([one, sents], ignore_index=True)),
              "mentions": tables["mentions"][tables["mentions"]["article_id"] != "a1"],
              "events": empty("events"), "quotes": empty("quotes")}
    db = Engine.from_tables(tables)
    for needle, sentence in (("le conseil", 1), ("cafe", 0)):
        out = view(db, Filters(search=needle))["sentences"]
        assert out[["article_id", "sentence_id"]].values.tolist() == [["a1", sentence]]


def test_search_table_is_the_same_built_a_few_articles_at_a_time(tables, monkeypatch):
    from revue_app import engine

    whole = Engine.from_tables(tables).sql("SELECT * FROM folded ORDER BY 1, 2")
    monkeypatch.setattr(engine, "FOLD_BATCH", 1)  # one publication date per batch
    batched = Engine.from_tables(tables).sql("SELECT * FROM folded ORDER BY 1, 2")
    assert len(whole) == len(tables["sentences"])
    pd.testing.assert_frame_equal(whole, batched)


def test_filter_search_keeps_matching_sentences_accent_insensitive(db):
    out = view(db, Filters(search="REGNE"))  # "règne"
    assert out["sentences"][["article_id", "sentence_id"]].values.tolist() == [["a1", 2]]
    assert out["mentions"].empty and out["entities"].empty
    out = view(db, Filters(search="microsoft"))
    assert set(out["articles"]["article_id"]) == {"a1", "a2", "a3"}
    assert len(out["sentences"]) == 3
    assert out["quotes"]["sentence_id"].tolist() == [1]


def test_filters_active_names():
    assert Filters().active() == []
    assert Filters(labels=("PER",), search="x").active() == ["entity types", "search"]


def test_top_entities_per_label(db):
    top = q.top_entities(db, ALL, n=1)
    assert set(top["label"]) == {"PER", "ORG", "MISC", "LOC"}
    assert top.set_index("label").loc["PER", "entity_id"] == "per:sam-altman"
    assert q.top_entities(db, ALL, labels=["ORG"])["entity_id"].tolist() == [
        "org:microsoft"]


def test_mention_counts(db):
    by_article, total = q.mention_counts_by_article(db, ALL)
    assert by_article.groupby("article_id")["n_mentions"].sum().to_dict() == {
        "a1": 4, "a2": 3, "a3": 2}
    assert total == 3
    top, total = q.mention_counts_by_article(db, ALL, limit=1)
    assert set(top["article_id"]) == {"a1"} and total == 3
    by_source = q.mention_counts_by_source(db, ALL)
    totals = by_source.groupby("source")["n_mentions"].sum().to_dict()
    assert totals == {"Le Monde": 6, q.UNKNOWN_SOURCE: 3}


def test_entity_timeline_fills_gaps(db):
    tl = q.entity_timeline(db, ALL, ["per:sam-altman"], "D", names=NAMES)
    assert tl["period"].min() == pd.Timestamp("2023-11-17")
    assert len(tl) == 4  # 17, 18, 19, 20 November
    assert tl["n_mentions"].tolist() == [2, 0, 0, 1]
    assert set(tl["name"]) == {"Sam Altman"}
    weekly = q.entity_timeline(db, ALL, ["org:microsoft"], "W")
    assert weekly["period"].tolist() == [pd.Timestamp("2023-11-13"), pd.Timestamp("2023-11-20")]
    assert weekly["n_mentions"].tolist() == [1, 1]  # a3 is undated: left out
    monthly = q.entity_timeline(db, ALL, ["org:microsoft"], "M")
    assert monthly["period"].tolist() == [pd.Timestamp("2023-11-01")]
    assert q.entity_timeline(db, ALL, []).empty


def _days(*days: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(days)))


def test_auto_freq_follows_the_span():
    # the seeds: four articles on 20-22 November 2023, one on 9 August 2024 → months
    seeds = _days("2023-11-20", "2023-11-20", "2023-11-21", "2023-11-22", "2024-08-09")
    assert q.auto_freq(seeds) == "M"
    assert q.auto_freq(_days("2023-11-20", "2023-11-22")) == "D"  # a burst of days
    assert q.auto_freq(_days("2024-01-01", "2024-03-01")) == "D"  # 60 days
    assert q.auto_freq(_days("2024-01-01", "2024-05-15")) == "W"  # ~4.5 months
    year = pd.Series(pd.date_range("2023-01-01", "2023-12-31", freq="3D"))
    assert q.auto_freq(year) == "M"
    assert q.auto_freq(pd.Series([pd.NaT, pd.NaT])) == "D"  # nothing dated: any step


def test_auto_freq_keeps_a_year_readable():
    # a corpus spanning a year, at the auto step, has few enough periods to draw as bars
    ids = [f"a{i}" for i in range(40)]
    articles = pd.DataFrame({"article_id": ids, "origin": ids, "date_source": "metadata",
                             "language": "fr", "text": "X.", "n_words": 1,
                             "published": pd.date_range("2023-01-03", "2023-12-28",
                                                        periods=40).normalize()})
    mentions = pd.DataFrame({"article_id": ids, "sentence_id": 0, "start": 0, "end": 1,
                             "surface": "X", "label": "PER", "entity_id": "x"})
    db = Engine.from_tables({"articles": articles, "mentions": mentions})
    freq = q.auto_freq(q.mention_dates(db, ALL))
    tl = q.entity_timeline(db, ALL, ["x"], freq, names={"x": "X"})
    assert freq == "M" and len(tl) == 12 and tl["n_mentions"].sum() == 40


def test_mention_dates(db):
    dates = q.mention_dates(db, ALL, ["loc:paris"])
    assert dates.empty  # a3 is undated
    dates = q.mention_dates(db, ALL, ["per:sam-altman"])
    assert sorted(dates.dt.strftime("%Y-%m-%d")) == ["2023-11-17", "2023-11-20"]


def test_default_timeline_entities_are_the_most_mentioned_of_any_type():
    entities = pd.DataFrame({
        "entity_id": ["misc:openai", "org:microsoft", "per:sam", "loc:thanksgiving",
                      "per:greg", "misc:chatgpt", "loc:paris"],
        "name": ["OpenAI", "Microsoft", "Sam Altman", "Thanksgiving", "Greg Brockman",
                 "ChatGPT", "Paris"],
        "label": ["MISC", "ORG", "PER", "LOC", "PER", "MISC", "LOC"],
        "n_mentions": [79, 55, 35, 3, 10, 13, 2]})
    assert q.default_timeline_entities(entities) == [
        "misc:openai", "org:microsoft", "per:sam", "misc:chatgpt", "per:greg"]
    assert q.default_timeline_entities(entities, n=2) == ["misc:openai", "org:microsoft"]


def test_article_label_marks_a_cut_title():
    articles = pd.DataFrame({"title": ["x" * 120, "Court"], "origin": ["a", "b"],
                             "published": pd.to_datetime(["2023-11-20", None])})
    long, short = q.article_label(articles)
    assert long == "2023-11-20 · " + "x" * 89 + "…"
    assert short == "undated · Court"


def test_entity_sentiment(db):
    by_article = q.entity_sentiment_by_article(db, ALL, "per:sam-altman")
    assert by_article.set_index("article_id")["sentiment"].to_dict() == pytest.approx(
        {"a1": 0.05, "a2": 0.4})
    tl = q.entity_sentiment_timeline(db, ALL, "per:sam-altman", "D")
    assert tl["n_sentences"].tolist() == [2, 1]
    # a1: -0.5 and +0.6, a2: +0.4, each sentence once
    assert q.entity_info(db, Filters(sources=("Le Monde",)), "per:sam-altman")[
        "sentiment"] == pytest.approx(0.05)


def test_evidence_rows_and_spans(db):
    ev = q.evidence(db, ALL, "per:sam-altman")
    assert len(ev) == 3
    first = ev.iloc[0]
    assert first["sentence"] == "Sam Altman quitte OpenAI."
    assert first["spans"] == [(0, 10, "PER", "Sam Altman")]
    assert first["title"] == "Départ chez OpenAI"
    last = ev.iloc[-1]
    start, end = last["spans"][0][:2]
    assert last["sentence"][start:end] == "Altman"
    assert q.evidence_count(db, ALL, "per:sam-altman") == 3
    worst = q.evidence(db, ALL, "per:sam-altman", order="most negative", limit=1)
    assert worst["sentence"].tolist() == ["Sam Altman quitte OpenAI."]  # -0.5
    best = q.evidence(db, ALL, "per:sam-altman", order="most positive", limit=2)
    assert best["sentiment"].tolist() == [0.6, 0.4]


def test_pair_evidence(db):
    ev = q.pair_evidence(db, ALL, "per:sam-altman", "org:microsoft")
    assert ev["sentence"].tolist() == ["Microsoft soutient Sam Altman."]
    assert len(ev.iloc[0]["spans"]) == 2
    ev = q.pair_evidence(db, ALL, "per:sam-altman", "org:microsoft", window="article")
    assert set(ev["article_id"]) == {"a1", "a2"}
    assert q.pair_evidence_count(db, ALL, "per:sam-altman", "org:microsoft",
                                 window="article") == len(ev)
    assert q.pair_evidence(db, ALL, "loc:paris", "per:sam-altman").empty


def test_quotes_for(db):
    said, about = q.quotes_for(db, ALL, "org:microsoft")
    assert said["quote"].tolist() == ["soutient"] and about.empty
    said, about = q.quotes_for(db, ALL, "per:sam-altman")
    assert said.empty and about["speaker"].tolist() == ["Microsoft"]


def test_events_with_entities(tables, db):
    ev = q.events_with_entities(db, ALL)
    assert ev.iloc[0]["entity_ids"] == ["per:sam-altman", "misc:openai"]
    assert ev.iloc[0]["entities"] == "Sam Altman; OpenAI"
    assert ev.iloc[0]["sentence"] == "Sam Altman quitte OpenAI."
    assert q.event_counts(db, ALL) == (1, 1)
    assert q.event_entities(db, ALL) == ["per:sam-altman", "misc:openai"]
    assert q.events_with_entities(db, ALL, only=("org:microsoft",)).empty
    assert len(q.events_with_entities(db, ALL, only=("misc:openai",))) == 1
    no_events = Engine.from_tables({**tables, "events": empty("events")})
    assert q.events_with_entities(no_events, ALL).empty


def test_word_frequencies(db):
    words = q.word_frequencies(db, ALL, mode="words")
    terms = dict(zip(words["term"], words["n"], strict=True))
    assert terms["microsoft"] == 3
    assert "et" not in terms and "le" not in terms  # French stop words
    assert "règne" in terms  # accents kept for display
    ents = q.word_frequencies(db, ALL, mode="entities")
    assert ents.iloc[0]["term"] in {"Sam Altman", "Microsoft"} and ents.iloc[0]["n"] == 3
    sampled = q.word_frequencies(db, ALL, mode="words", sample=3)  # 3 of the 6 sentences
    assert q.word_sample_note(db, ALL, sample=3) and sampled["n"].sum() > 0
    assert q.word_sample_note(db, ALL) is None


def test_highlight_escapes_untrusted_text():
    text = "<script>alert(1)</script> Altman & co"
    out = q.highlight_html(text, [(26, 32, "PER", "Sam Altman")])
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "&amp; co" in out
    assert '<mark style="background-color:#0072B233' in out
    assert ">Altman</mark>" in out


def test_highlight_escapes_inside_marks_and_skips_overlaps():
    text = "<b>X</b> Y"
    out = q.highlight_html(text, [(0, 8, "ORG", '"><img src=x>'), (3, 4, "PER")])
    assert "<b>" not in out and "<img" not in out
    assert out.count("<mark") == 1


@given(st.text(max_size=60), st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70),
                                                 st.sampled_from(q.LABELS)), max_size=5))
def test_highlight_never_lets_markup_through(text, spans):
    out = q.highlight_html(text, spans)
    stripped = out
    for tag in ("<mark", "</mark>", "<b>", "</b>"):
        stripped = stripped.replace(tag, "")
    assert "<" not in stripped  # only our own tags


def test_fold():
    assert q.fold("Société Générale") == "societe generale"


def test_search_takes_the_text_literally(db):
    # regex and SQL characters in the search are text, not syntax
    out = view(db, Filters(search="alert(1)"))
    assert out["sentences"][["article_id", "sentence_id"]].values.tolist() == [["a2", 1]]
    assert view(db, Filters(search="Le chaos règne.")).get("sentences").shape[0] == 1
    # the search language (revue_app.search): OR is an operator, quotes make a phrase, and
    # punctuation alone searches nothing (no filter), never SQL or a regex
    assert view(db, Filters(search="\"o' OR 1=1 --\""))["sentences"].empty
    assert view(db, Filters(search="zzz OR 1=1 --"))["sentences"].empty
    assert len(view(db, Filters(search=".*"))["sentences"]) == len(view(db, Filters())["sentences"])


def test_result_cache_is_bounded_in_bytes():
    from revue_app.engine import ResultCache, size_of

    small = pd.DataFrame({"x": range(100)})
    cache = ResultCache(max_bytes=4 * size_of(small))
    calls = []
    for key in range(10):
        cache.get_or_compute(key, lambda k=key: calls.append(k) or small.copy())
    assert cache.bytes <= cache.max_bytes and len(cache) <= 4
    cache.get_or_compute(9, lambda: calls.append("again") or small)
    assert "again" not in calls  # the most recent one is kept
    cache.get_or_compute(0, lambda: calls.append("again") or small)
    assert "again" in calls  # the oldest was dropped
    big = pd.DataFrame({"x": range(10_000)})
    cache.get_or_compute("big", lambda: big)
    assert "big" not in cache._items  # bigger than a quarter of the budget: not kept


def test_cached_queries_are_shared_and_keyed_by_filters(db):
    from revue_app.engine import cached

    a = cached(db, q.corpus_counts, Filters())
    assert cached(db, q.corpus_counts, Filters()) is a
    b = cached(db, q.corpus_counts, Filters(sources=("Le Monde",)))
    assert b is not a and b["articles"] == 2


# Sources naming every source (the unknown one too) keep the same view, but force the queries
# to read the mentions themselves (`_day_counts` cannot serve a source filter): the fast paths
# must give what the mentions give.
EVERY_SOURCE = ("Le Monde", q.UNKNOWN_SOURCE)


@pytest.mark.parametrize("extra", [{}, {"min_mentions": 3}, {"min_mentions": 4},
                                   {"labels": ("PER",)}, {"labels": ("ORG",)},
                                   {"date_from": date(2023, 11, 18)}])
@pytest.mark.parametrize("entity", ["per:sam-altman", "org:microsoft"])
def test_entity_sentiment_timeline_per_day_is_the_mentions_one(db, extra, entity):
    fast = Filters(**extra)
    slow = Filters(**extra, sources=EVERY_SOURCE)
    assert q._entity_days_sentiment(db, fast, entity, "D") is not None
    assert q._entity_days_sentiment(db, slow, entity, "D") is None
    assert q._entity_sentences(db, fast, entity) is not None
    assert q._entity_sentences(db, slow, entity) is None
    for freq in ("D", "W", "M"):
        a = q.entity_sentiment_timeline(db, fast, entity, freq)
        b = q.entity_sentiment_timeline(db, slow, entity, freq)
        pd.testing.assert_frame_equal(a, b, check_exact=False)
    pd.testing.assert_frame_equal(q.entity_sentiment_by_article(db, fast, entity),
                                  q.entity_sentiment_by_article(db, slow, entity),
                                  check_exact=False)
    assert q.evidence_count(db, fast, entity) == q.evidence_count(db, slow, entity)
    for order in ("date", "most negative", "most positive"):
        for limit in (None, 1, 2):
            pd.testing.assert_frame_equal(q.evidence(db, fast, entity, order=order, limit=limit),
                                          q.evidence(db, slow, entity, order=order, limit=limit))
    for a, b in zip(q.quotes_for(db, fast, entity), q.quotes_for(db, slow, entity), strict=True):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("window", ["sentence", "article"])
def test_evidence_by_date_picked_first_is_the_whole_list_cut(db, window):
    whole = q.evidence(db, ALL, "per:sam-altman")
    for limit in (1, 2, 3, 10):
        pd.testing.assert_frame_equal(q.evidence(db, ALL, "per:sam-altman", limit=limit),
                                      whole.head(limit))
    pairs = q.pair_evidence(db, ALL, "per:sam-altman", "org:microsoft", window=window)
    assert len(pairs) == q.pair_evidence_count(db, ALL, "per:sam-altman", "org:microsoft",
                                               window=window)
    pd.testing.assert_frame_equal(
        q.pair_evidence(db, ALL, "per:sam-altman", "org:microsoft", window=window, limit=1),
        pairs.head(1))


@pytest.mark.parametrize("f", [ALL, Filters(date_from=date(2023, 11, 18)),
                               Filters(labels=("PER", "ORG"))])
def test_a_pairs_count_is_its_sentence_evidence_count(db, f):
    # the Network page shows the pair's count as its number of sentences (sentence window)
    among = ("per:sam-altman", "org:microsoft", "misc:openai", "loc:paris")
    edges, _ = q.pair_counts(db, f, window="sentence", among=among)
    assert not edges.empty
    for row in edges.itertuples():
        assert row.n == q.pair_evidence_count(db, f, row.a, row.b, window="sentence")
