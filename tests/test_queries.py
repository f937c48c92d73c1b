"""Queries on a tiny hand-built corpus, where every count can be checked by hand."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.schema import conform, empty
from revue_app import queries as q
from revue_app.queries import Filters

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


def test_cooccurrence_sentence_counts(tables):
    edges = q.cooccurrence(tables["mentions"], window="sentence", weight="count")
    assert set(zip(edges["a"], edges["b"], strict=True)) == {
        ("misc:openai", "per:sam-altman"), ("org:microsoft", "per:sam-altman"),
        ("misc:openai", "org:microsoft"), ("loc:paris", "org:microsoft")}
    assert (edges["n"] == 1).all()
    row = edge(edges, "per:sam-altman", "org:microsoft")
    assert (row["n_a"], row["n_b"]) == (3, 3)  # Microsoft in 3 sentences, Sam Altman in 3


def test_cooccurrence_pmi_and_jaccard_by_hand(tables):
    m = tables["mentions"]
    # N = 6 sentences; Microsoft and Sam Altman each in 3, together in 1.
    pmi = q.cooccurrence(m, window="sentence", weight="pmi", n_units=6)
    assert edge(pmi, "per:sam-altman", "org:microsoft")["weight"] == pytest.approx(
        math.log2(1 * 6 / (3 * 3)))
    assert edge(pmi, "loc:paris", "org:microsoft")["weight"] == pytest.approx(1.0)
    npmi = q.cooccurrence(m, window="sentence", weight="npmi", n_units=6)
    assert edge(npmi, "loc:paris", "org:microsoft")["weight"] == pytest.approx(
        1.0 / -math.log2(1 / 6))
    jac = q.cooccurrence(m, window="sentence", weight="jaccard")
    assert edge(jac, "per:sam-altman", "org:microsoft")["weight"] == pytest.approx(1 / 5)
    assert edge(jac, "misc:openai", "per:sam-altman")["weight"] == pytest.approx(1 / 4)
    assert edge(jac, "loc:paris", "org:microsoft")["weight"] == pytest.approx(1 / 3)


def test_cooccurrence_article_window(tables):
    m = tables["mentions"]
    edges = q.cooccurrence(m, window="article", weight="count")
    assert edge(edges, "per:sam-altman", "misc:openai")["n"] == 2
    assert edge(edges, "loc:paris", "org:microsoft")["n"] == 1
    # 3 articles; Sam Altman and OpenAI each in 2, together in 2.
    assert edge(q.cooccurrence(m, window="article", weight="pmi"), "per:sam-altman",
                "misc:openai")["weight"] == pytest.approx(math.log2(1.5))
    assert edge(q.cooccurrence(m, window="article", weight="npmi"), "per:sam-altman",
                "misc:openai")["weight"] == pytest.approx(1.0)
    assert edge(q.cooccurrence(m, window="article", weight="jaccard"), "per:sam-altman",
                "misc:openai")["weight"] == pytest.approx(1.0)
    support = q.cooccurrence(m, window="article", min_support=2)
    assert len(support) == 3 and (support["n"] == 2).all()


def test_cooccurrence_empty():
    edges = q.cooccurrence(empty("mentions"))
    assert edges.empty and list(edges.columns) == ["a", "b", "n", "n_a", "n_b", "weight"]


def test_pmi_warning_on_small_corpus(tables):
    edges = q.cooccurrence(tables["mentions"], weight="pmi", n_units=6)
    assert "mostly noise" in q.pmi_warning(6, edges, "pmi")
    assert q.pmi_warning(6, edges, "count") is None
    assert "fewer than 3" in q.pmi_warning(100, edges, "npmi")


def test_co_mentioned_ranks_partners(tables):
    out = q.co_mentioned(tables["mentions"], "org:microsoft", entities=tables["entities"],
                         window="article", weight="count")
    assert out["entity_id"].tolist()[:2] == ["misc:openai", "per:sam-altman"]
    assert out.set_index("entity_id").loc["loc:paris", "n"] == 1
    assert set(out["name"]) == {"OpenAI", "Sam Altman", "Paris"}


def test_filters_default_keep_everything(tables):
    out = q.apply_filters(tables, Filters())
    for name in ("articles", "sentences", "mentions", "events", "quotes"):
        assert len(out[name]) == len(tables[name]), name
    assert len(out["entities"]) == 4


def test_filter_dates_drop_undated_and_out_of_range(tables):
    out = q.apply_filters(tables, Filters(date_from=date(2023, 11, 18),
                                          date_to=date(2023, 11, 30)))
    assert out["articles"]["article_id"].tolist() == ["a2"]
    assert set(out["mentions"]["article_id"]) == {"a2"}
    assert out["events"].empty  # the only event is in a1
    ent = out["entities"].set_index("entity_id")
    assert ent.loc["per:sam-altman", "n_mentions"] == 1
    assert "loc:paris" not in ent.index


def test_filter_date_to_is_inclusive(tables):
    out = q.apply_filters(tables, Filters(date_to=date(2023, 11, 17)))
    assert out["articles"]["article_id"].tolist() == ["a1"]


def test_filter_sources_with_unknown(tables):
    out = q.apply_filters(tables, Filters(sources=(q.UNKNOWN_SOURCE,)))
    assert out["articles"]["article_id"].tolist() == ["a2"]
    out = q.apply_filters(tables, Filters(sources=("Le Monde",)))
    assert set(out["articles"]["article_id"]) == {"a1", "a3"}


def test_filter_labels_keep_misc(tables):
    out = q.apply_filters(tables, Filters(labels=("MISC",)))
    assert set(out["mentions"]["entity_id"]) == {"misc:openai"}
    assert out["entities"]["entity_id"].tolist() == ["misc:openai"]
    assert len(out["articles"]) == 3  # types filter mentions, not articles


def test_filter_types_use_the_entity_type_not_the_mention_label(tables):
    # the model once tagged "OpenAI" PER: the entity is still MISC, and stays out of PER
    mentions = tables["mentions"].copy()
    mentions.loc[mentions["surface"] == "OpenAI", "label"] = ["PER", "MISC"]
    tables = {**tables, "mentions": mentions}
    out = q.apply_filters(tables, Filters(labels=("PER",)))
    assert set(out["mentions"]["entity_id"]) == {"per:sam-altman"}
    out = q.apply_filters(tables, Filters(labels=("MISC",)))
    assert len(out["mentions"]) == 2
    counts = q.mention_counts_by_article(mentions, tables["articles"], tables["entities"])
    by_label = counts.groupby("label")["n_mentions"].sum().to_dict()
    assert by_label["MISC"] == 2 and by_label["PER"] == 3
    spans = q.article_spans(tables, "a1")
    assert [s[2] for s in spans if s[3] == "OpenAI"] == ["MISC"]


def test_filter_min_mentions_recounts(tables):
    out = q.apply_filters(tables, Filters(min_mentions=3))
    assert set(out["entities"]["entity_id"]) == {"per:sam-altman", "org:microsoft"}
    assert set(out["mentions"]["entity_id"]) == {"per:sam-altman", "org:microsoft"}
    out = q.apply_filters(tables, Filters(min_mentions=2, articles=("a1",)))
    assert out["entities"]["entity_id"].tolist() == ["per:sam-altman"]


def test_filter_search_keeps_matching_sentences_accent_insensitive(tables):
    out = q.apply_filters(tables, Filters(search="REGNE"))  # "règne"
    assert out["sentences"][["article_id", "sentence_id"]].values.tolist() == [["a1", 2]]
    assert out["mentions"].empty and out["entities"].empty
    out = q.apply_filters(tables, Filters(search="microsoft"))
    assert set(out["articles"]["article_id"]) == {"a1", "a2", "a3"}
    assert len(out["sentences"]) == 3
    assert out["quotes"]["sentence_id"].tolist() == [1]


def test_filters_active_names():
    assert Filters().active() == []
    assert Filters(labels=("PER",), search="x").active() == ["entity types", "search"]


def test_top_entities_per_label(tables):
    top = q.top_entities(tables["entities"], n=1)
    assert set(top["label"]) == {"PER", "ORG", "MISC", "LOC"}
    assert top.set_index("label").loc["PER", "entity_id"] == "per:sam-altman"
    assert q.top_entities(tables["entities"], labels=["ORG"])["entity_id"].tolist() == [
        "org:microsoft"]


def test_mention_counts(tables):
    by_article = q.mention_counts_by_article(tables["mentions"], tables["articles"])
    assert by_article.groupby("article_id")["n_mentions"].sum().to_dict() == {
        "a1": 4, "a2": 3, "a3": 2}
    by_source = q.mention_counts_by_source(tables["mentions"], tables["articles"])
    totals = by_source.groupby("source")["n_mentions"].sum().to_dict()
    assert totals == {"Le Monde": 6, q.UNKNOWN_SOURCE: 3}


def test_entity_timeline_fills_gaps(tables):
    tl = q.entity_timeline(tables["mentions"], tables["articles"], ["per:sam-altman"], "D",
                           names=NAMES)
    assert tl["period"].min() == pd.Timestamp("2023-11-17")
    assert len(tl) == 4  # 17, 18, 19, 20 November
    assert tl["n_mentions"].tolist() == [2, 0, 0, 1]
    assert set(tl["name"]) == {"Sam Altman"}
    weekly = q.entity_timeline(tables["mentions"], tables["articles"], ["org:microsoft"], "W")
    assert weekly["period"].tolist() == [pd.Timestamp("2023-11-13"), pd.Timestamp("2023-11-20")]
    assert weekly["n_mentions"].tolist() == [1, 1]  # a3 is undated: left out
    monthly = q.entity_timeline(tables["mentions"], tables["articles"], ["org:microsoft"], "M")
    assert monthly["period"].tolist() == [pd.Timestamp("2023-11-01")]
    assert q.entity_timeline(tables["mentions"], tables["articles"], []).empty


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
    articles = pd.DataFrame({"article_id": [f"a{i}" for i in range(40)],
                             "published": pd.date_range("2023-01-03", "2023-12-28",
                                                        periods=40).normalize()})
    mentions = pd.DataFrame({"article_id": articles["article_id"], "entity_id": "x"})
    freq = q.auto_freq(articles["published"])
    tl = q.entity_timeline(mentions, articles, ["x"], freq, names={"x": "X"})
    assert freq == "M" and len(tl) == 12 and tl["n_mentions"].sum() == 40


def test_mention_dates(tables):
    dates = q.mention_dates(tables["mentions"], tables["articles"], ["loc:paris"])
    assert dates.empty  # a3 is undated
    dates = q.mention_dates(tables["mentions"], tables["articles"], ["per:sam-altman"])
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


def test_entity_sentiment(tables):
    by_article = q.entity_sentiment_by_article(tables, "per:sam-altman")
    assert by_article.set_index("article_id")["sentiment"].to_dict() == pytest.approx(
        {"a1": 0.05, "a2": 0.4})
    tl = q.entity_sentiment_timeline(tables, "per:sam-altman", "D")
    assert tl["n_sentences"].tolist() == [2, 1]


def test_evidence_rows_and_spans(tables):
    ev = q.evidence(tables, "per:sam-altman")
    assert len(ev) == 3
    first = ev.iloc[0]
    assert first["sentence"] == "Sam Altman quitte OpenAI."
    assert first["spans"] == [(0, 10, "PER", "Sam Altman")]
    assert first["title"] == "Départ chez OpenAI"
    last = ev.iloc[-1]
    start, end = last["spans"][0][:2]
    assert last["sentence"][start:end] == "Altman"


def test_pair_evidence(tables):
    ev = q.pair_evidence(tables, "per:sam-altman", "org:microsoft")
    assert ev["sentence"].tolist() == ["Microsoft soutient Sam Altman."]
    assert len(ev.iloc[0]["spans"]) == 2
    ev = q.pair_evidence(tables, "per:sam-altman", "org:microsoft", window="article")
    assert set(ev["article_id"]) == {"a1", "a2"}
    assert q.pair_evidence(tables, "loc:paris", "per:sam-altman").empty


def test_quotes_for(tables):
    said, about = q.quotes_for(tables, "org:microsoft")
    assert said["quote"].tolist() == ["soutient"] and about.empty
    said, about = q.quotes_for(tables, "per:sam-altman")
    assert said.empty and about["speaker"].tolist() == ["Microsoft"]


def test_events_with_entities(tables):
    ev = q.events_with_entities(tables)
    assert ev.iloc[0]["entity_ids"] == ["per:sam-altman", "misc:openai"]
    assert ev.iloc[0]["entities"] == "Sam Altman; OpenAI"
    assert q.events_with_entities({**tables, "events": empty("events")}).empty


def test_word_frequencies(tables):
    words = q.word_frequencies(tables, mode="words")
    terms = dict(zip(words["term"], words["n"], strict=True))
    assert terms["microsoft"] == 3
    assert "et" not in terms and "le" not in terms  # French stop words
    assert "règne" in terms  # accents kept for display
    ents = q.word_frequencies(tables, mode="entities")
    assert ents.iloc[0]["term"] in {"Sam Altman", "Microsoft"} and ents.iloc[0]["n"] == 3


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
