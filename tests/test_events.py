"""Dated events: one hand-written example per kind of expression, the boundaries, the tables."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipeline import schema
from pipeline.evaluate_enrich import evaluate_dates, format_dates, load_gold_dates
from pipeline.events import extract_events, find_dates, infer_publication_dates

MONDAY = date(2023, 11, 20)  # seed 000 was published on Monday 20 November 2023


def dates(text: str, published: date | None = MONDAY, language: str = "fr"
          ) -> list[tuple[str, str, str, str]]:
    """(expression, ISO date, granularity, how) for every date found in `text`."""
    return [(text[f.start:f.end], f.day.isoformat(), f.granularity, f.how)
            for f in find_dates(text, published=published, language=language)]


@pytest.mark.parametrize("text, expected", [
    ("signé le 20 novembre 2023 à Paris", ("20 novembre 2023", "2023-11-20", "day", "absolute")),
    ("le 1er mars 2024", ("1er mars 2024", "2024-03-01", "day", "absolute")),
    ("le lundi 4 mars 2024", ("lundi 4 mars 2024", "2024-03-04", "day", "absolute")),
    ("le 3 janv. 2022", ("3 janv. 2022", "2022-01-03", "day", "absolute")),
    ("publié le 20/11/2023", ("20/11/2023", "2023-11-20", "day", "absolute")),
    ("publié le 2023-11-20", ("2023-11-20", "2023-11-20", "day", "absolute")),
    ("renvoyé le 17 novembre", ("17 novembre", "2023-11-17", "day", "relative")),
    ("en juin 2024", ("juin 2024", "2024-06-01", "month", "absolute")),
    ("depuis 2019", ("depuis 2019", "2019-01-01", "year", "absolute")),
    ("les pros en 2018.", ("en 2018", "2018-01-01", "year", "absolute")),
    ("à partir de 2024", ("à partir de 2024", "2024-01-01", "year", "absolute")),
    ("prévu en juin", ("en juin", "2024-06-01", "month", "relative")),
    ("mi-novembre", ("mi-novembre", "2023-11-01", "month", "relative")),
])
def test_french_absolute_partial_years_and_months(text, expected):
    published = date(2024, 3, 20) if "juin" in text and "2024" not in text else MONDAY
    assert dates(text, published) == [expected]


@pytest.mark.parametrize("text, expected", [
    ("contraint de partir vendredi.", ("vendredi", "2023-11-17")),
    ("Vendredi après-midi, le monde", ("Vendredi après-midi", "2023-11-17")),
    ("aux petites heures du lundi matin", ("lundi matin", "2023-11-20")),  # same day
    ("a écrit Altman lundi.", ("lundi", "2023-11-20")),
    ("lundi dernier", ("lundi dernier", "2023-11-13")),
    ("mardi prochain", ("mardi prochain", "2023-11-21")),
    ("dimanche", ("dimanche", "2023-11-19")),
    ("déployées hier.", ("hier", "2023-11-19")),
    ("avant-hier soir", ("avant-hier soir", "2023-11-18")),
    ("Aujourd’hui, les employés", ("Aujourd’hui", "2023-11-20")),
    ("demain matin", ("demain matin", "2023-11-21")),
    ("il y a trois jours", ("il y a trois jours", "2023-11-17")),
])
def test_french_relative_days(text, expected):
    (found,) = dates(text)
    assert (found[0], found[1]) == expected
    assert found[2:] == ("day", "relative")


@pytest.mark.parametrize("text, expected", [
    ("la semaine dernière", ("2023-11-13", "week")),
    ("Cette semaine, OpenAI", ("2023-11-20", "week")),
    ("la semaine prochaine", ("2023-11-27", "week")),
    ("ce week-end", ("2023-11-13", "week")),  # on a Monday: the weekend just past
    ("le mois dernier", ("2023-10-01", "month")),
    ("au début du mois", ("2023-11-01", "month")),
    ("cette année", ("2023-01-01", "year")),
    ("l’année dernière", ("2022-01-01", "year")),
    ("l'an prochain", ("2024-01-01", "year")),
    ("il y a un an", ("2022-11-01", "month")),
    ("il y a deux semaines", ("2023-11-06", "week")),
    ("jusqu’à la fin de l’année", ("2023-01-01", "year")),
])
def test_french_relative_weeks_months_years(text, expected):
    (found,) = dates(text)
    assert (found[1], found[2]) == expected


def test_weekend_ahead_from_midweek():
    assert dates("ce week-end", date(2023, 11, 23))[0][1] == "2023-11-20"


@pytest.mark.parametrize("text, published, expected", [
    ("le 28 décembre", date(2024, 1, 3), "2023-12-28"),  # year boundary, backwards
    ("le 5 janvier", date(2023, 12, 28), "2024-01-05"),  # year boundary, forwards
    ("hier", date(2024, 1, 1), "2023-12-31"),
    ("mercredi", date(2024, 3, 1), "2024-02-28"),  # month boundary, leap year
    ("le mois dernier", date(2024, 1, 15), "2023-12-01"),
    ("la semaine dernière", date(2024, 1, 2), "2023-12-25"),
    ("en décembre", date(2024, 1, 10), "2023-12-01"),
    ("le 29 février", date(2024, 3, 5), "2024-02-29"),
])
def test_relative_dates_across_month_and_year_boundaries(text, published, expected):
    assert dates(text, published)[0][1] == expected


@pytest.mark.parametrize("text", [
    "Sam Altman et je ne sais qui", "quelque $50 milliards", "GPT-4 et Cobalt 100",
    "Orca 2 est sorti", "le monde d'aujourd'hui", "la technologie de demain",
    "cette année-là", "en 2000 exemplaires", "plus de 700 employés", "un week-end de chaos",
    "il y a 500 employés", "Mars est une planète",
])
def test_french_non_dates(text):
    assert dates(text) == []


def test_copyright_lines_are_not_events():
    text = "Le texte du 20 novembre 2023.\n© 2024 Le Journal, tous droits réservés"
    assert [d[0] for d in dates(text)] == ["20 novembre 2023"]


def test_without_publication_date_only_absolute_dates_remain():
    text = "Vendredi, hier, le 17 novembre et en juin, puis le 20 novembre 2023 et en 2019."
    assert [d[0] for d in dates(text, None)] == ["20 novembre 2023", "en 2019"]


@pytest.mark.parametrize("text, expected", [
    ("on November 20, 2023", ("November 20, 2023", "2023-11-20", "day", "absolute")),
    ("on 20 November 2023", ("20 November 2023", "2023-11-20", "day", "absolute")),
    ("on 11/20/2023", ("11/20/2023", "2023-11-20", "day", "absolute")),
    ("ousted on Nov. 17", ("Nov. 17", "2023-11-17", "day", "relative")),
    ("in June 2024", ("June 2024", "2024-06-01", "month", "absolute")),
    ("since 2019", ("since 2019", "2019-01-01", "year", "absolute")),
    ("in October", ("in October", "2023-10-01", "month", "relative")),
    ("he left on Friday", ("on Friday", "2023-11-17", "day", "relative")),
    ("last Friday", ("last Friday", "2023-11-17", "day", "relative")),
    ("Monday morning", ("Monday morning", "2023-11-20", "day", "relative")),
    ("yesterday", ("yesterday", "2023-11-19", "day", "relative")),
    ("today", ("today", "2023-11-20", "day", "relative")),
    ("last week", ("last week", "2023-11-13", "week", "relative")),
    ("last year", ("last year", "2022-01-01", "year", "relative")),
    ("two days ago", ("two days ago", "2023-11-18", "day", "relative")),
    ("a year ago", ("a year ago", "2022-11-01", "month", "relative")),
])
def test_english_equivalents(text, expected):
    assert dates(text, language="en") == [expected]


@pytest.mark.parametrize("text", ["it may rain", "Sam said so", "$50 billion in 2000 copies",
                                  "GPT-4", "a Friday-night ritual"])
def test_english_non_dates(text):
    assert dates(text, language="en") == []


def _one_article(text: str, published: str | None, *, sentences: list[tuple[int, int]] | None
                 = None, date_source: str = "metadata") -> tuple[pd.DataFrame, pd.DataFrame]:
    articles = schema.conform("articles", pd.DataFrame({
        "article_id": ["a"], "origin": ["a.txt"], "published": [published],
        "date_source": [date_source], "language": ["fr"], "text": [text],
        "n_words": [len(text.split())]}))
    spans = sentences or [(0, len(text))]
    frame = schema.conform("sentences", pd.DataFrame({
        "article_id": ["a"] * len(spans), "sentence_id": list(range(len(spans))),
        "start": [s for s, _ in spans], "end": [e for _, e in spans]}))
    return articles, frame


def test_extract_events_links_each_expression_to_its_sentence():
    text = "Il est parti vendredi.\nIl revient le 4 décembre 2023."
    articles, sentences = _one_article(text, "2023-11-20", sentences=[(0, 22), (23, len(text))])
    before = articles.copy(), sentences.copy()
    events = extract_events(articles, sentences)
    schema.check("events", events)
    pd.testing.assert_frame_equal(articles, before[0])
    pd.testing.assert_frame_equal(sentences, before[1])
    assert events["sentence_id"].tolist() == [0, 1]
    assert events["expression"].tolist() == ["vendredi", "4 décembre 2023"]
    assert (events["expression"] == [text[s:e] for s, e in zip(events["start"], events["end"],
                                                              strict=True)]).all()
    assert events["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-11-17", "2023-12-04"]


def test_expressions_outside_every_sentence_are_dropped():
    text = "Titre du 3 mars 2024\nCorps du texte, vendredi."
    articles, sentences = _one_article(text, "2024-03-05", sentences=[(21, len(text))])
    assert extract_events(articles, sentences)["expression"].tolist() == ["vendredi"]


def test_events_empty_in_empty_out():
    events = extract_events(schema.empty("articles"), schema.empty("sentences"))
    schema.check("events", events)
    assert events.empty
    articles, sentences = _one_article("Rien de daté ici.", "2023-11-20")
    assert extract_events(articles, sentences).empty


def test_infer_publication_dates_only_for_unknown_articles():
    text = "Le 2 mars 2021, puis le 15 avril 2021 et depuis 2024. Vendredi aussi."
    unknown, sentences = _one_article(text, None, date_source="unknown")
    dated, _ = _one_article(text, "2021-05-01")
    articles = pd.concat([unknown, dated.assign(article_id="b")], ignore_index=True)
    sentences = pd.concat([sentences, sentences.assign(article_id="b")], ignore_index=True)
    events = extract_events(articles, sentences)
    before = articles.copy()
    out = infer_publication_dates(articles, events)
    schema.check("articles", out)
    pd.testing.assert_frame_equal(articles, before)
    assert out["date_source"].tolist() == ["inferred", "metadata"]
    assert out["published"].dt.strftime("%Y-%m-%d").tolist() == ["2021-04-15", "2021-05-01"]


def test_unknown_stays_unknown_without_a_usable_date():
    for text in ["Vendredi, hier.", "Depuis 2019, rien.", "Le 3 mars 2031 est prévu."]:
        articles, sentences = _one_article(text, None, date_source="unknown")
        out = infer_publication_dates(articles, extract_events(articles, sentences),
                                      not_after=date(2026, 11, 22))
        assert out["date_source"].tolist() == ["unknown"], text
        assert out["published"].isna().all()


def test_infer_empty_in_empty_out():
    out = infer_publication_dates(schema.empty("articles"), schema.empty("events"))
    schema.check("articles", out)
    assert out.empty


def _sentences_mentioning(tables: dict[str, pd.DataFrame], name: str) -> set[tuple[str, int]]:
    mentions = tables["mentions"]
    hits = mentions[mentions["surface"].str.contains(name)]
    return set(zip(hits["article_id"], hits["sentence_id"], strict=True))


def test_seed_events_date_altman_ouster_and_the_monday_after(seed_tables):
    events = seed_tables["events"]
    altman = _sentences_mentioning(seed_tables, "Altman")
    about = events[[(a, s) in altman for a, s in zip(events["article_id"], events["sentence_id"],
                                                       strict=True)]]
    days = set(about["date"].dt.strftime("%Y-%m-%d"))
    assert {"2023-11-17", "2023-11-20"} <= days
    first = seed_tables["articles"]["origin"].str.contains("000_")
    aid = seed_tables["articles"].loc[first, "article_id"].iloc[0]
    friday = events[(events["article_id"] == aid) & (events["expression"] == "vendredi")]
    assert friday["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-11-17"]


def test_seed_dates_against_the_gold(seed_tables):
    scores = evaluate_dates(load_gold_dates(), seed_tables["events"], seed_tables["articles"])
    assert scores.n_gold >= 30
    assert scores.recall >= 0.9, format_dates(scores)
    assert scores.precision >= 0.9, format_dates(scores)
    assert scores.date_accuracy >= 0.95, format_dates(scores)


# ---- tense and cue words (sentences written for the tests) -----------------------------------

SATURDAY = date(2018, 11, 17)


@pytest.mark.parametrize("text, expected", [
    ("Et lundi, on continuera le mouvement.", "2018-11-19"),
    ("La grève doit débuter mardi dans les dépôts.", "2018-11-20"),
    ("Le ministre est attendu mercredi à Lille.", "2018-11-21"),
    ("La réunion pourrait avoir lieu jeudi.", "2018-11-22"),
    ("Le ministre a parlé mardi devant les élus.", "2018-11-13"),
    ("Les manifestants avaient défilé jeudi.", "2018-11-15"),
    ("Samedi, la place était pleine.", "2018-11-17"),
    ("Le concert se tiendra samedi soir.", "2018-11-17"),
])
def test_weekday_follows_the_tense_of_its_sentence(text, expected):
    (found,) = [d for d in dates(text, SATURDAY) if d[2] == "day"]
    assert found[1] == expected


@pytest.mark.parametrize("text, expected", [
    ("Le sommet avait eu lieu le 14 mars à Rome.", "2020-03-14"),
    ("Le sommet aura lieu le 14 mars à Rome.", "2021-03-14"),
    ("Le vote du 14 mars dernier a surpris.", "2020-03-14"),
])
def test_partial_date_takes_the_year_of_its_tense(text, expected):
    (found,) = dates(text, date(2020, 9, 15))
    assert found[1] == expected


@pytest.mark.parametrize("text, expected", [
    ("L'usine a fermé en septembre dernier.", ("2018-09-01", "month")),
    ("La loi entrera en vigueur en septembre prochain.", ("2019-09-01", "month")),
    ("Les ventes ont chuté au début du mois dernier.", ("2019-06-01", "month")),
    ("Les ventes ont chuté le printemps dernier.", ("2019-01-01", "year")),
    ("Le chantier reprendra l'automne 2015.", ("2015-01-01", "year")),
    ("Les pertes du premier semestre 2016 sont lourdes.", ("2016-01-01", "year")),
    ("Trois cents postes seront supprimés d'ici à 2030.", ("2030-01-01", "year")),
    ("La part baissera à l'horizon 2040.", ("2040-01-01", "year")),
    ("Les députés votent le budget 2021 pour la culture.", ("2021-01-01", "year")),
    ("Une croissance de 1 % pour 2022 est prévue.", ("2022-01-01", "year")),
])
def test_relative_months_periods_and_years(text, expected):
    (found,) = dates(text, date(2019, 7, 10))
    assert found[1:3] == expected


def test_date_finding_is_linear_in_line_length(monkeypatch):
    """One long line: the copyright check and the tense window must not rescan the whole line
    per match (a 0.5 MB line used to take 86 s). Counts the characters handed to the regexes."""
    import pipeline.events as events

    scanned = 0

    class Counting:
        def __init__(self, pattern):
            self.pattern = pattern

        def finditer(self, text, pos=0, endpos=None):
            nonlocal scanned
            scanned += (len(text) if endpos is None else endpos) - pos
            return self.pattern.finditer(text, pos, len(text) if endpos is None else endpos)

        def search(self, text, pos=0, endpos=None):
            nonlocal scanned
            scanned += (len(text) if endpos is None else endpos) - pos
            return self.pattern.search(text, pos, len(text) if endpos is None else endpos)

    monkeypatch.setattr(events, "_BOILERPLATE_LINE", Counting(events._BOILERPLATE_LINE))
    monkeypatch.setattr(events, "_LEANS", {k: Counting(v) for k, v in events._LEANS.items()})
    sentence = "Le comité se réunira mardi, puis le 3 mars, et il avait voté en 2019. "

    def cost(n: int) -> int:
        nonlocal scanned
        scanned = 0
        assert len(list(find_dates(sentence * n, published=SATURDAY))) == 3 * n
        return scanned

    small, large = cost(200), cost(400)
    assert large / small < 2.2, (small, large)


def test_yearless_date_without_tense_prefers_the_recent_past():
    assert dates("Le rapport du 14 mars.", date(2020, 9, 15))[0][1] == "2020-03-14"
    assert dates("Le rapport du 5 janvier.", date(2019, 12, 28))[0][1] == "2020-01-05"


def test_english_weekday_follows_the_tense():
    assert dates("The minister will speak on Tuesday.", SATURDAY, "en")[0][1] == "2018-11-20"
    assert dates("The minister spoke on Tuesday.", SATURDAY, "en")[0][1] == "2018-11-13"


# ---- days told relative to the text's previous date, ranges (sentences written for the tests)

@pytest.mark.parametrize("text, expected", [
    ("Le 3 mars, le comité a voté. Le lendemain, le maire est parti.",
     ("Le lendemain", "2023-03-04", "day", "relative")),
    ("Il a été élu le 3 mars ; la veille, il doutait encore.",
     ("la veille", "2023-03-02", "day", "relative")),
    ("Le 3 mars, le comité a voté. Le même jour, la ville a fêté sa victoire.",
     ("Le même jour", "2023-03-03", "day", "relative")),
    ("Le 3 mars, le comité a voté. Le surlendemain, le préfet a réagi.",
     ("Le surlendemain", "2023-03-05", "day", "relative")),
    ("La crise éclate en 2019. Cette année-là, le chômage monte.",
     ("Cette année-là", "2019-01-01", "year", "relative")),
    ("It opened on March 3, 2024. The next day, it closed.",
     ("The next day", "2024-03-04", "day", "relative")),
])
def test_days_relative_to_the_previous_date_of_the_text(text, expected):
    language = "en" if text.startswith("It") else "fr"
    assert dates(text, language=language)[-1] == expected


@pytest.mark.parametrize("text", [
    "Le lendemain, le maire est parti.",  # no date before it
    "La crise éclate en 2019. Le lendemain, le maire est parti.",  # a year has no next day
    "Le 3 mars, le comité a voté, à la veille de l'élection.",  # the eve of something else
])
def test_relative_days_without_a_day_to_count_from_are_skipped(text):
    assert [d[0] for d in dates(text)] == [d for d in ("3 mars", "en 2019") if d in text]


def test_the_first_day_of_a_range_takes_the_month_of_the_last():
    assert dates("Le festival a lieu du 3 au 5 mars 2024.") == [
        ("3", "2024-03-03", "day", "absolute"), ("5 mars 2024", "2024-03-05", "day", "absolute")]
    assert dates("Les fouilles ont eu lieu entre le 1er et le 3 mai.")[0] == (
        "1er", "2023-05-01", "day", "relative")


# Every kind of expression, one per line of a text written for this test, in both cases: scanning
# only the lines that hold a pattern's words finds what a scan of the whole text finds (a word
# missing from `_NEEDS` would lose its dates silently).
_EVERY_KIND = {
    "fr": ["le 17 novembre 2023", "le 17/11/2023", "le 2023-11-17", "le 3 mars", "le 1er oct.",
           "le 2 déc. 2022", "du 3 au 5 mai", "entre le 3 et le 5 févr.",
           "au premier semestre 2012",
           "l’automne 2012", "l'été dernier", "en juin 2019", "EN JUIN", "juin dernier",
           "depuis 2019", "il y a deux ans", "hier soir", "demain", "aujourd'hui", "ce matin",
           "la semaine dernière", "le mois prochain", "l'an passé", "cette année", "ce week-end",
           "à la fin de l'année", "vendredi", "MARDI prochain", "le lendemain", "la veille",
           "ce mois-là", "cette année-là", "le même jour", "en janvier", "en février", "en avril",
           "en juillet", "en août", "en septembre", "en octobre", "en novembre", "en décembre",
           "le 4 AOÛT 2021", "le 5 Fevrier", "le 6 aout"],
    "en": ["on November 17, 2023", "on 17 November 2023", "on 11/17/2023", "on 2023-11-17",
           "on November 17", "on 17 of November", "in November 2023", "since November",
           "in 2019", "three days ago", "yesterday", "this morning", "last week", "next year",
           "this weekend", "on Friday", "last Monday", "the next day", "the day before",
           "Sept 3", "Jan. 4, 2020", "on 5 February", "in March", "in April", "in May", "in June",
           "in July", "in August", "in October", "in December"],
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_scanning_only_the_lines_with_a_patterns_words_finds_every_date(language, monkeypatch):
    from pipeline import events

    text = "\n".join(f"Il en a parlé {e}, tout à fait." if language == "fr" else
                     f"She said it {e}, quite plainly." for e in _EVERY_KIND[language])
    published = date(2023, 11, 20)
    filtered = list(find_dates(text, published=published, language=language))
    monkeypatch.setattr(events._Lines, "spans", lambda self, needs: [(0, self.size)])
    whole = list(find_dates(text, published=published, language=language))
    assert filtered == whole
    assert len(whole) >= len(_EVERY_KIND[language])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_month_table_reads_every_spelling_as_dateparser_does(language, monkeypatch):
    from pipeline import events

    spellings = [name for names in events._MONTH_NUMBERS[language].items() for name in names[:1]]
    variants = {v for name in spellings for v in (name, name.title(), name.upper(), name + ".")}
    table = {v: events._month_number(v, language) for v in variants}
    monkeypatch.setattr(events, "_MONTH_NUMBERS", {})
    assert table == {v: events._month_number(v, language) for v in variants}
    assert sorted(set(table.values())) == list(range(1, 13))
