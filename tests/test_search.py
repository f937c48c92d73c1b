"""The search language (revue_app/search.py): parsed the same way, matched the same way by
DuckDB and by Python, hits located in the original text."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revue_app.search import Query, Term, fold, hits, kwic, matches, parse, sql_condition, sql_hits

SENTENCE = "Les Gilets jaunes manifestent à Paris ; la manifestation des « gilets  jaunes » dure."


def test_words_ignore_case_and_accents():
    assert parse("Société") == Query(((Term(("societe",)),),))
    assert matches(parse("societe"), "La SOCIÉTÉ générale")
    assert matches(parse("PARIS"), SENTENCE)
    assert not matches(parse("par"), SENTENCE)  # whole words only


def test_phrase_prefix_and_or():
    assert matches(parse('"gilets jaunes"'), SENTENCE)
    assert not matches(parse('"jaunes gilets"'), SENTENCE)
    assert matches(parse("manif*"), SENTENCE)
    assert not matches(parse("manif"), SENTENCE)
    assert matches(parse("Lyon OR Paris"), SENTENCE)
    assert not matches(parse("Lyon Paris"), SENTENCE)  # side by side: both needed
    assert matches(parse("Paris jaunes"), SENTENCE)
    assert parse("Lyon OR Paris").describe() == "lyon or paris"
    assert parse('"gilets jaunes" manif*').describe() == '"gilets jaunes" and manif*'


def test_unreadable_input_is_ignored_never_raised():
    for text in ("", '"', "OR", "OR OR", "***", '"   "', "(", "a OR", "[x]"):
        parse(text)  # no exception
    assert not parse('"') and not parse('* OR *')
    assert parse("a OR") == parse("a")


def test_hits_point_into_the_original_text():
    spans = hits(parse('manif* OR "gilets jaunes"'), SENTENCE)
    assert [SENTENCE[a:b] for a, b in spans] == ["Gilets jaunes", "manifestent", "manifestation",
                                                  "gilets  jaunes"]
    text = "ﬁn de la Grève. GRÈVE!"  # a ligature folds to two letters: offsets still right
    assert [text[a:b] for a, b in hits(parse("greve"), text)] == ["Grève", "GRÈVE"]


def test_kwic_gives_left_hit_right():
    rows = kwic(SENTENCE, hits(parse("Paris"), SENTENCE), width=20)
    assert rows == [("aunes manifestent à", "Paris", "; la manifestation")]


def _duck(query: Query, text: str) -> tuple[bool, int]:
    con = duckdb.connect()
    con.execute("CREATE MACRO fold(x) AS strip_accents(lower(x))")
    row = con.execute(f"SELECT {sql_condition(query, 'fold(t)')}, {sql_hits(query, 'fold(t)')} "
                      "FROM (SELECT ? AS t)", [text]).fetchone()
    con.close()
    assert row is not None
    return bool(row[0]), int(row[1])


@pytest.mark.parametrize("q", ["paris", '"gilets jaunes"', "manif*", "lyon OR paris",
                               "lyon paris", "societe", "dure OR manif*"])
def test_duckdb_and_python_agree(q):
    for text in (SENTENCE, "La Société Générale, à Lyon.", ""):
        assert _duck(parse(q), text) == (matches(parse(q), text), len(hits(parse(q), text)))


def test_quotes_in_a_query_cannot_break_the_sql():
    query = parse("l'état OR \"x'); DROP TABLE t; --\"")
    assert _duck(query, "L'État dit non") == (True, 1)


WORDS = st.sampled_from(["greve", "Grève", "paris", "PARIS", "gilets", "jaunes", "manif",
                         "société", "l'état", "OR", '"', "*", "é", "x"])


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=6).map(" ".join), st.lists(WORDS, max_size=12).map(" ".join))
def test_any_query_on_any_text(query_text, text):
    query = parse(query_text)
    assert parse(query_text) == query  # parsing is a function of the text
    spans = hits(query, text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert spans == sorted(spans)
    # every hit is a term of the query, in folded form
    words = {w for clause in query.clauses for t in clause for w in t.words}
    for a, b in spans:
        assert any(w in fold(text[a:b]) for w in words)
    if query:
        assert matches(query, text) <= bool(spans)
        assert _duck(query, text) == (matches(query, text), len(spans))
    else:
        assert not matches(query, text) and spans == []
