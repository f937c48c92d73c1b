"""Search and Compare queries (revue_app/explore.py) on the DuckDB engine, and their pages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from revue_app import explore, search
from revue_app.engine import Engine
from revue_app.queries import Filters

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(seed_build):
    engine = Engine.from_tables(seed_build.tables, name="seeds-explore")
    yield engine
    engine.close()


def _sentences(tables) -> pd.DataFrame:
    """Every sentence's text, cut from its article by the offsets."""
    texts = dict(zip(tables["articles"]["article_id"], tables["articles"]["text"], strict=True))
    s = tables["sentences"]
    return pd.DataFrame({"text": [texts[a][b:e] for a, b, e in
                                  zip(s["article_id"], s["start"], s["end"], strict=True)]})


def test_search_counts_and_kwic_agree_with_python(db, seed_build):
    f = Filters(search='"conseil d\'administration" OR Altman')
    query = search.parse(f.search)
    texts = _sentences(seed_build.tables)
    expected_hits = sum(len(search.hits(query, t)) for t in texts["text"])
    expected_sentences = sum(search.matches(query, t) for t in texts["text"])
    counts = explore.search_counts(db, f)
    assert counts["hits"] == expected_hits > 0
    assert counts["sentences"] == expected_sentences
    rows = explore.kwic_rows(db, f, limit=10_000)
    assert len(rows) == expected_hits
    # each row points at its hit in the article's text, with its context around it
    text = dict(zip(seed_build.tables["articles"]["article_id"],
                    seed_build.tables["articles"]["text"], strict=True))
    for r in rows.itertuples():
        body = text[r.article_id]
        assert search.fold(body[r.start:r.start + len(r.hit)]) == search.fold(r.hit)
        assert r.hit.casefold() in ("altman", "conseil d'administration",
                                    "conseil d’administration")
    per_article = explore.article_hits(db, f)
    assert per_article["hits"].sum() == expected_hits
    assert per_article["hits"].is_monotonic_decreasing


def test_kwic_of_a_phrase(db):
    rows = explore.kwic_rows(db, Filters(search='"Sam Altman"'))
    assert len(rows) and set(rows["hit"]) == {"Sam Altman"}
    assert not explore.kwic_rows(db, Filters(search='"Altman Sam"')).shape[0]


def test_search_filters_every_table(db):
    from revue_app import queries as q

    assert q.corpus_counts(db, Filters(search="Altman"))["articles"] == 5
    assert q.corpus_counts(db, Filters(search="TechCrunch OR zzzz"))["articles"] <= 1
    assert q.corpus_counts(db, Filters(search="altm*"))["sentences"] == \
        explore.search_counts(db, Filters(search="altm*"))["sentences"]


def test_term_trends_count_hits_per_period(db, seed_build):
    trend = explore.term_trends(db, Filters(search="Microsoft"), ["Altman", "zzzz"], "M")
    assert set(trend["entity_id"]) == {"Altman", "zzzz"}  # a term without a hit: all zeros
    assert trend.loc[trend["entity_id"] == "zzzz", "n_mentions"].sum() == 0
    texts = _sentences(seed_build.tables)
    total = sum(len(search.hits(search.parse("Altman"), t)) for t in texts["text"])
    # the view's own search ("Microsoft") does not cut a term's trend
    assert trend.loc[trend["entity_id"] == "Altman", "n_mentions"].sum() == total


def test_attention_is_normalised_by_volume(db, seed_build):
    frame = explore.attention(db, Filters(), what="per:sam-altman", freq="M")
    assert ((frame["share"] >= 0) & (frame["share"] <= 1)).all()
    articles = seed_build.tables["articles"]
    assert frame["total"].sum() == articles["published"].notna().sum()
    words = explore.attention(db, Filters(), what="Microsoft", freq="M", unit="mentions")
    assert words["matching"].sum() == explore.search_counts(
        db, Filters(search="Microsoft"))["sentences"]


def test_entity_side_by_side_across_sources(db, seed_build):
    table = explore.entity_by_source(db, Filters(), "per:sam-altman")
    mentions = seed_build.tables["mentions"]
    assert table["mentions"].sum() == (mentions["entity_id"] == "per:sam-altman").sum()
    assert set(table["source"]) == {"TechCrunch", "(unknown source)"}
    assert "Microsoft" in " ".join(table["co_mentioned"])


@pytest.fixture()
def seed_env(seed_build, monkeypatch):
    monkeypatch.setenv("REVUE_DATA", str(seed_build.path))
    return seed_build


def _open(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update(params)
    at.switch_page(f"revue_app/pages/{page}.py")
    return at.run(timeout=60)


def test_search_page_shows_kwic_articles_and_trend(seed_env):
    at = _open("search", {"q": '"Sam Altman" OR manif*'})
    assert not at.exception, [e.value for e in at.exception]
    assert [h.value for h in at.header] == ["Search"]
    kwic = at.dataframe[0].value
    assert len(kwic) and set(kwic["hit"]) == {"Sam Altman"}
    assert all(link.startswith("./articles?") and "q=" in link for link in kwic["article"])
    assert at.dataframe[1].value["hits"].sum() == len(kwic)
    assert at.get("plotly_chart")


def test_compare_page(seed_env):
    at = _open("compare", {"cmp_entity": "per:sam-altman"})
    assert not at.exception, [e.value for e in at.exception]
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {t["name"] for t in fig["data"]} == {"TechCrunch", "(unknown source)"}
    assert "Share of each source" in fig["layout"]["title"]["text"]
    assert at.dataframe[0].value["mentions"].sum() > 0
    at = _open("compare", {"cmp_entity": "per:sam-altman", "cmp_words": "Microsoft"})
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "“Microsoft”" in fig["layout"]["title"]["text"]


def test_articles_page_highlights_the_hits(seed_env):
    article = seed_env.tables["articles"]["article_id"].iloc[0]
    at = _open("articles", {"article": article, "q": "Altman"})
    body = " ".join(h.proto.body for h in at.get("html"))
    assert 'title="search hit (search)"' in body
    assert any("marked in yellow" in c.value for c in at.caption)
