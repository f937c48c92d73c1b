"""The evaluation plumbing: quotes scored by position, speakers by name, dates by position,
the side-by-side report, and the events chart's window (far dates do not choose it)."""

from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.evaluate import SetResult, side_by_side
from pipeline.evaluate_enrich import evaluate_dates
from pipeline.evaluate_quotes import evaluate_quotes, same_speaker

TEXT = ("Paul Renard a déclaré : « Nous signerons demain matin ». La salle « Horizon » est "
        "pleine. « Rien n'est fait », a répondu Julie Morel.")


def _articles() -> pd.DataFrame:
    return schema.conform("articles", pd.DataFrame({
        "article_id": ["a"], "origin": ["/data/set/texts/001.txt"], "title": ["Un « titre cité »"],
        "published": ["2019-07-10"], "date_source": ["metadata"], "language": ["fr"],
        "text": [TEXT], "n_words": [len(TEXT.split())]}))


def _quotes(rows: list[tuple[str, str | None]]) -> pd.DataFrame:
    out = []
    for quote, speaker in rows:
        start = TEXT.index(quote)
        out.append({"article_id": "a", "sentence_id": 0, "start": start, "end": start + len(quote),
                    "quote": quote, "speaker": speaker, "speaker_id": None, "cue": None})
    return schema.conform("quotes", pd.DataFrame(out))


def test_quotes_scored_by_position_and_speaker():
    gold = pd.DataFrame({"file": ["texts/001.txt"] * 3,
                         "quote_start": ["titre cité", "Nous signerons demain matin",
                                         "Rien n'est fait"],
                         "speaker": ["", "Paul Renard", "Julie Morel"]})
    predicted = _quotes([("Nous signerons demain matin", "Renard"), ("Horizon", None),
                         ("Rien n'est fait", "Paul Renard")])
    scores = evaluate_quotes(gold, predicted, _articles())
    assert scores.in_title == [("texts/001.txt", "titre cité")]  # the title is not scored
    assert (scores.n_gold, scores.detected, scores.n_predicted) == (2, 2, 3)
    assert (scores.attributed, scores.right_speaker) == (2, 1)
    assert scores.speaker_precision == 0.5 and scores.precision == 2 / 3


def test_same_speaker_rules():
    assert same_speaker("Jean-Marie Le Pen", "Le Pen", None, ["Jean-Marie Le Pen"])
    assert not same_speaker("Jean-Marie Le Pen", "Le Pen", None,
                            ["Jean-Marie Le Pen", "Marine Le Pen"])
    assert same_speaker("Barack Obama", "B. Obama", None, [])
    assert same_speaker("Human Rights Watch", "HRW", None, [])
    assert not same_speaker("Ana Pastor García", "Ana", None, [])
    assert same_speaker("Paul Renard", "le ministre", "Paul Renard", [])


def test_dates_scored_by_overlap_longest_first():
    text = "Le 4 juillet 2019, le déficit de la fin de l'année 2019 inquiète."
    articles = _articles().assign(text=[text])
    gold = pd.DataFrame({"article": ["001.txt"] * 3,
                         "expression": ["4 juillet 2019", "2019", "la fin de l'année 2019"],
                         "date": ["2019-07-04", "2019-01-01", "2019-01-01"],
                         "granularity": ["day", "year", "year"]})
    events = pd.DataFrame({"article_id": ["a", "a"], "start": [3, 41], "end": [17, 53],
                           "expression": ["4 juillet 2019", "l'année 2019"],
                           "date": pd.to_datetime(["2019-07-04", "2019-01-01"]),
                           "granularity": ["day", "year"]})
    scores = evaluate_dates(gold, events, articles)
    assert (scores.found, scores.correct) == (2, 2)
    assert scores.misses == [("001.txt", "2019")]


def test_side_by_side_shows_a_missing_set_as_a_line():
    report = side_by_side({"seeds": SetResult({"dates: right date": "97%"}, ""),
                           "devset": "not evaluated: no dev set at x"})
    assert "dates: right date" in report and "97%" in report
    assert "devset: not evaluated: no dev set at x" in report


def test_far_dates_do_not_choose_the_events_window():
    from revue_app.charts import event_timeline

    days = pd.to_datetime(["1979-01-01"] * 3 + ["2018-11-12", "2018-11-17", "2019-03-01"])
    frame = pd.DataFrame({
        "article_id": ["a"] * 6, "date": days, "expression": ["1979"] * 3 + ["x"] * 3,
        "granularity": ["year"] * 3 + ["day", "day", "month"],
        "how": ["absolute"] * 3 + ["relative"] * 3, "sentence": [""] * 6, "entities": [""] * 6,
        "title": ["T"] * 6, "published": pd.to_datetime(["2018-11-17"] * 6),
        "date_source": ["metadata"] * 6})
    start, end = event_timeline(frame).layout.xaxis.range
    assert str(start) >= "2018-11" and str(end) <= "2018-12"
