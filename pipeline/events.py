"""Dated events: every date expression in the text, resolved to a calendar date.

Candidates are found first with anchored regular expressions, one per kind of expression (a full
date, "17 novembre", "en juin", "en 2019", "vendredi", "hier", "la semaine dernière", "il y a
deux ans", and their English equivalents); only then is the matched expression handed to
dateparser. Running dateparser's `search_dates` over raw French text is unusable ("Sam" → samedi,
"je" → jeudi, "$50" → 1950), and a pattern per kind also says *how* each date was resolved.

Relative expressions are resolved against the article's `published` date with news conventions,
steered by the tense of their sentence (the nearest cue: a future or conditional verb, "doit",
"va", "prévu", "attendu", "jusqu'à" look ahead; a past auxiliary, "dernier", "hier" look back;
no part-of-speech tagger needed). A weekday is the most recent such day on or before publication
("vendredi" in a Monday paper is three days earlier) unless its sentence looks ahead ("doit
débuter mardi": the coming Tuesday). A day or month without a year takes the year consistent
with the tense, else the nearest, a past date being preferred unless the future one is less than
half as far ("28 décembre" in a paper of 3 January is the previous year, "le 14 mars" in a
September paper this year's). "septembre dernier" is the last September before the publication
month. Expressions that need a publication date the article does not have are skipped, never
guessed. "le lendemain", "la veille", "le même jour", "cette année-là" count from the date the
text told just before them (skipped when that one is not precise enough), and the first day of
"du 3 au 5 mars" takes the month of the last.
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

import pandas as pd

from pipeline import schema
from pipeline.sentences import SentenceBounds

DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"
ABSOLUTE, RELATIVE = "absolute", "relative"

_WS = r"[^\S\n]+"  # whitespace that does not cross a line
_B = r"(?<![\w\-/.])"  # start of a word, not inside "GPT-4" or "3.20"
_E = r"(?![\w/])"

_MONTHS_FR = ("janvier février fevrier mars avril mai juin juillet août aout septembre octobre "
              "novembre décembre decembre")
_MONTH_ABBR_FR = r"janv\.?|févr\.?|fevr\.?|fév\.?|avr\.?|juil\.?|sept\.?|oct\.?|nov\.?|déc\.?|dec\."
_MONTHS_EN = "January February March April May June July August September October November December"
_MONTH_ABBR_EN = r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\."
_WEEKDAYS_FR = "lundi mardi mercredi jeudi vendredi samedi dimanche"
_WEEKDAYS_EN = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
_WEEKDAYS = {"fr": _WEEKDAYS_FR.split(), "en": _WEEKDAYS_EN.split()}
_NUMBERS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
            "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15,
            "vingt": 20, "trente": 30, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3,
            "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30}
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
# "en 2000 exemplaires", "en 2019 %": a count, not a year
_NOT_COUNT = (r"(?![^\S\n]*(?:%|€|\$|euros?|dollars?|millions?|milliards?|personnes|employés|"
              r"salariés|exemplaires|habitants|mètres|km|kilos?|voix|people|employees|copies))")
_BOILERPLATE_LINE = re.compile(r"©|\(c\)\s*\d{4}|copyright|tous droits réservés|"
                               r"all rights reserved", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    day: date
    granularity: str
    how: str


Resolver = Callable[["re.Match[str]", date | None, str, int], tuple[date, str, str] | None]


def _alt(words: str) -> str:
    return "|".join(sorted(words.split(), key=len, reverse=True))


def _patterns(language: str) -> list[tuple[re.Pattern[str], Resolver]]:
    """The candidate patterns of `language`, most specific first (earlier ones win overlaps)."""
    if language == "fr":
        month = _alt(_MONTHS_FR)
        any_month = rf"{month}|{_MONTH_ABBR_FR}"
        weekday = "|".join(_WEEKDAYS["fr"])
        day = r"(?P<day>1er|[12]\d|3[01]|0?[1-9])"
        ci = re.IGNORECASE
        number = r"(?P<n>\d{1,3}|" + _alt("un une deux trois quatre cinq six sept huit neuf dix "
                                          "onze douze quinze vingt trente") + ")"
        specs: list[tuple[str, int, Resolver]] = [
            (rf"{_B}(?:(?:{weekday}){_WS})?{day}{_WS}(?P<month>{any_month})(?:,?{_WS}){_YEAR}{_E}",
             ci, _full),
            (rf"{_B}(?P<day>\d{{1,2}})/(?P<m>\d{{1,2}})/{_YEAR}{_E}", 0, _numeric),
            (rf"{_B}{_YEAR}-(?P<m>\d\d)-(?P<day>\d\d){_E}", 0, _numeric),
            (rf"{_B}(?:(?:{weekday}){_WS})?{day}{_WS}(?P<month>{any_month})"
             rf"(?!(?:{_WS})?\d){_E}(?:{_WS}(?P<mod>dernier|prochain|passé)(?![\w-]))?", ci,
             _day_month),
            # "du 3 au 5 mars (2012)", "entre le 3 et le 5 mars": the first day takes the month
            # (and year) of the second, which the patterns above date on their own
            (rf"(?:(?<=\bdu )|(?<=\bentre le )){day}(?={_WS}(?:au|et{_WS}le){_WS}"
             rf"(?:1er|[12]\d|3[01]|0?[1-9]){_WS}(?P<month>{any_month}){_E}"
             rf"(?:{_WS}{_YEAR}{_E})?)", ci, _range_start),
            # "le premier semestre 2012", "l'automne 2012": periods of a year, dated by the year
            (rf"{_B}(?:(?:premier|second|deuxième|troisième|quatrième|1er|2e|3e|4e){_WS}"
             rf"(?:semestre|trimestre)|(?:le{_WS}|l['’]|au{_WS}|cet{_WS}|ce{_WS})?"
             rf"(?:printemps|été|automne|hiver))(?:{_WS}(?:de{_WS})?){_YEAR}{_E}", ci, _year),
            (rf"{_B}(?P<word>(?:le{_WS}|l['’]|au{_WS})?(?:printemps|été|automne|hiver)){_WS}"
             rf"(?P<mod>dernier|prochain)(?![\w-])", ci, _season),
            (rf"{_B}(?:(?:début|fin|mi-?)(?:{_WS})?)?(?P<month>{month})(?:{_WS}de)?{_WS}{_YEAR}{_E}",
             ci, _month_year),
            (rf"{_B}(?:en|au{_WS}mois{_WS}de|au{_WS}mois{_WS}d'|au{_WS}mois{_WS}d’|(?:au{_WS})?"
             rf"début|(?:à{_WS}la{_WS})?fin|mi-|courant|depuis|dès|d'ici|d’ici|jusqu'en|"
             rf"jusqu’en|entre)(?:{_WS})?(?P<month>{month})(?!(?:{_WS})?\d){_E}"
             rf"(?:{_WS}(?P<mod>dernier|prochain|passé)(?![\w-]))?", ci, _month_alone),
            (rf"{_B}(?P<month>{month}){_WS}(?P<mod>dernier|prochain|passé)(?![\w-])", ci,
             _month_alone),
            (rf"{_B}(?:en|depuis|dès|d['’]ici(?:{_WS}à)?|avant|après|à{_WS}partir{_WS}de|"
             rf"jusqu['’]en|jusqu['’]à|fin|début|courant|l['’]année|l['’]an|pour|"
             rf"à{_WS}l['’]horizon(?:{_WS}de)?|à{_WS}l['’]échéance(?:{_WS}de)?|"
             rf"(?:budget|exercice|saison|édition|promotion|rentrée|campagne|élections?|"
             rf"présidentielle|législatives|municipales|européennes|régionales|primaires|"
             rf"sénatoriales|scrutin|recensement)(?:{_WS}de)?){_WS}{_YEAR}{_E}{_NOT_COUNT}",
             ci, _year),
            (rf"{_B}il{_WS}y{_WS}a{_WS}{number}{_WS}(?P<unit>jours?|semaines?|mois|ans?|années?)"
             rf"{_E}", ci, _ago),
            # "le monde d'aujourd'hui / de demain" means nowadays / the future, not a day
            (rf"{_B}(?<![dD]['’])(?<!de )(?P<word>avant-hier|après-demain|hier|demain|"
             rf"aujourd['’]hui)"
             rf"(?:{_WS}(?:matin|midi|soir|après-midi))?{_E}", ci, _word),
            (rf"{_B}(?P<word>ce{_WS}matin|ce{_WS}soir|cet{_WS}après-midi|cette{_WS}nuit|"
             rf"cette{_WS}semaine|la{_WS}semaine{_WS}(?:dernière|passée|prochaine)|"
             rf"ce{_WS}mois-ci|le{_WS}mois{_WS}(?:dernier|passé|prochain)|"
             rf"(?:au{_WS})?début{_WS}du{_WS}mois{_WS}(?:dernier|prochain)|"
             rf"(?:à{_WS}la{_WS})?fin{_WS}du{_WS}mois{_WS}(?:dernier|prochain)|"
             rf"(?:au{_WS})?début{_WS}du{_WS}mois|(?:à{_WS}la{_WS})?fin{_WS}du{_WS}mois|"
             rf"cette{_WS}année(?!-là)|l['’]année{_WS}(?:dernière|passée|prochaine)|"
             rf"l['’]an{_WS}(?:dernier|passé|prochain))(?![\w-])", ci, _word),
            (rf"{_B}(?P<word>ce{_WS}week-end|le{_WS}week-end{_WS}(?:dernier|passé|prochain)|"
             rf"(?:tout{_WS})?au{_WS}long{_WS}du{_WS}week-end|au{_WS}cours{_WS}du{_WS}week-end|"
             rf"(?:pendant|durant){_WS}le{_WS}week-end)(?![\w-])", ci, _weekend),
            (rf"{_B}(?P<word>(?:la{_WS})?fin|(?:le{_WS})?début){_WS}(?:de{_WS}l['’]année|"
             rf"d['’]année)(?![\w-])", ci, _this_year),
            (rf"{_B}(?P<weekday>{weekday})(?:{_WS}(?P<mod>dernier|prochain|passé|matin|midi|soir|"
             rf"après-midi))?(?![\w/-])", ci, _weekday),
        ]
    else:
        month = _alt(_MONTHS_EN)
        any_month = rf"{month}|{_MONTH_ABBR_EN}"
        weekday = "|".join(_WEEKDAYS["en"])
        day = r"(?P<day>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
        number = r"(?P<n>\d{1,3}|" + _alt("a an one two three four five six seven eight nine ten "
                                          "eleven twelve fifteen twenty thirty") + ")"
        specs = [
            (rf"{_B}(?:(?:{weekday}),?{_WS})?(?P<month>{any_month}){_WS}{day},?{_WS}{_YEAR}{_E}",
             0, _full),
            (rf"{_B}(?:(?:{weekday}),?{_WS})?{day}{_WS}(?:of{_WS})?(?P<month>{any_month}),?{_WS}"
             rf"{_YEAR}{_E}", 0, _full),
            (rf"{_B}(?P<m>\d{{1,2}})/(?P<day>\d{{1,2}})/{_YEAR}{_E}", 0, _numeric),
            (rf"{_B}{_YEAR}-(?P<m>\d\d)-(?P<day>\d\d){_E}", 0, _numeric),
            (rf"{_B}(?:(?:{weekday}),?{_WS})?(?P<month>{any_month}){_WS}{day}(?!(?:{_WS})?\d){_E}",
             0, _day_month),
            (rf"{_B}(?:(?:{weekday}),?{_WS})?{day}{_WS}(?:of{_WS})?(?P<month>{any_month})"
             rf"(?!(?:{_WS})?\d){_E}", 0, _day_month),
            (rf"{_B}(?:(?i:early|late|mid-?)(?:{_WS})?)?(?P<month>{month}),?{_WS}{_YEAR}{_E}", 0,
             _month_year),
            (rf"{_B}(?i:in|since|by|until|early|late|mid-|last|next|this)(?:{_WS})?(?P<month>{month})"
             rf"(?!(?:{_WS})?\d){_E}", 0, _month_alone),
            (rf"{_B}(?i:in|since|by|until|before|after|from|early|late){_WS}{_YEAR}{_E}"
             rf"{_NOT_COUNT}", 0, _year),
            (rf"{_B}{number}{_WS}(?P<unit>days?|weeks?|months?|years?){_WS}ago{_E}",
             re.IGNORECASE, _ago),
            (rf"{_B}(?P<word>yesterday|today|tomorrow|tonight|this{_WS}morning|this{_WS}evening|"
             rf"this{_WS}afternoon|this{_WS}week|last{_WS}week|next{_WS}week|this{_WS}month|"
             rf"last{_WS}month|next{_WS}month|this{_WS}year|last{_WS}year|next{_WS}year)"
             rf"(?![\w-])", re.IGNORECASE, _word),
            (rf"{_B}(?P<word>this{_WS}weekend|last{_WS}weekend|next{_WS}weekend)(?![\w-])",
             re.IGNORECASE, _weekend),
            (rf"{_B}(?:(?P<mod>(?i:last|next|this|on)){_WS})?(?P<weekday>{weekday})"
             rf"(?:{_WS}(?:morning|afternoon|evening|night))?(?![\w/-])", 0, _weekday),
        ]
    return [(re.compile(p, flags), resolve) for p, flags, resolve in specs]


# ---- which lines a pattern can match in -----------------------------------------------------
# No pattern crosses a line, and each needs certain words: a month name, a year, "hier"...
# Scanning only the lines that hold them (found with `in` on the lower-cased line, far cheaper
# than a regular expression tried at every character) finds the very same matches. A need is a
# tuple of lower-case strings one of which the line must contain; a pattern has a tuple of needs.
Needs = tuple[tuple[str, ...], ...]


class _WordEnd(tuple[str, ...]):
    """A need met only where one of the words ends a word ("mai" in "en mai", not in "mais")."""


# Every month name and abbreviation, as the patterns spell them: each is followed there by a
# character that is not a letter or a digit ("17 mai 2023", "déc. 2022", "March 3").
_MONTH_FR = _WordEnd((*_MONTHS_FR.split(), "janv", "févr", "fevr", "fév", "avr", "juil", "sept",
                      "oct", "nov", "déc", "dec"))
_MONTH_EN = _WordEnd((*_MONTHS_EN.lower().split(), "jan", "feb", "mar", "apr", "jun", "jul",
                      "aug", "sep", "sept", "oct", "nov", "dec"))
_YEAR_NEED = ("18", "19", "20")  # `_YEAR`'s first two digits
_DAY_NEED = tuple("123456789")  # a day of the month
_SEASONS = ("printemps", "été", "automne", "hiver")
_NEEDS: dict[str, list[Needs]] = {  # one per pattern of `_patterns`, in the same order
    "fr": [
        (_MONTH_FR, _YEAR_NEED),  # 17 novembre 2023
        (("/",), _YEAR_NEED),  # 17/11/2023
        (("-",), _YEAR_NEED),  # 2023-11-17
        (_MONTH_FR, _DAY_NEED),  # 17 novembre
        (_MONTH_FR, _DAY_NEED, ("du", "entre")),  # du 3 au 5 mars
        (("semestre", "trimestre", *_SEASONS), _YEAR_NEED),  # le premier semestre 2012
        (_SEASONS, _WordEnd(("dernier", "prochain"))),  # l'été dernier
        (_MONTH_FR, _YEAR_NEED),  # juin 2019
        (_MONTH_FR,),  # en juin
        (_MONTH_FR, ("dernier", "prochain", "passé")),  # juin dernier
        (_YEAR_NEED,),  # en 2019
        (_WordEnd(("y",)), _WordEnd(("jour", "jours", "semaine", "semaines", "mois", "an", "ans",
                                     "année", "années"))),  # il y a deux ans
        (_WordEnd(("hier", "demain", "aujourd")),),
        (("matin", "soir", "midi", "nuit", "semaine", "mois", "année", "l'an", "l’an"),),
        (("week-end",),),
        (("année",), ("fin", "début")),  # la fin de l'année
        (tuple(w.lower() for w in _WEEKDAYS["fr"]),),
    ],
    "en": [
        (_MONTH_EN, _YEAR_NEED),  # November 17, 2023
        (_MONTH_EN, _YEAR_NEED),  # 17 November 2023
        (("/",), _YEAR_NEED),
        (("-",), _YEAR_NEED),
        (_MONTH_EN, _DAY_NEED),  # November 17
        (_MONTH_EN, _DAY_NEED),  # 17 November
        (_MONTH_EN, _YEAR_NEED),  # November 2023
        (_MONTH_EN,),  # in November
        (_YEAR_NEED,),  # in 2019
        (("ago",),),
        (("yesterday", "today", "tomorrow", "tonight", "morning", "evening", "afternoon",
          "week", "month", "year"),),
        (("weekend",),),
        (tuple(w.lower() for w in _WEEKDAYS["en"]),),
    ],
}
_ANAPHORA_NEEDS: dict[str, Needs] = {"fr": (("lendemain", "veille", "jour", "mois", "année"),),
                                     "en": (("day",),)}
# Characters that match an ASCII letter under re.IGNORECASE but do not lower-case to it: a text
# holding one is scanned whole.
_ODD_CASES = ("İ", "ı", "ſ")


class _Lines:
    """The lines of a text, to find the stretches of it where a pattern's needs are met."""

    def __init__(self, text: str) -> None:
        self.size = len(text)
        self.whole = [(0, len(text))] if any(ch in text for ch in _ODD_CASES) else None
        self.lines: list[tuple[int, int, str]] = []  # start, end (after its newline), lower case
        start = 0
        for line in text.split("\n"):
            end = start + len(line)
            self.lines.append((start, min(end + 1, len(text)), line.lower()))
            start = end + 1
        self._met: dict[tuple[str, ...], list[bool]] = {}

    def spans(self, needs: Needs) -> list[tuple[int, int]]:
        """Merged (start, end) of the lines that meet every need."""
        if self.whole is not None:
            return self.whole
        ok = [True] * len(self.lines)
        for need in needs:
            if need not in self._met:
                met = _word_ends if isinstance(need, _WordEnd) else _holds
                self._met[need] = [met(low, need) for _, _, low in self.lines]
            ok = [a and b for a, b in zip(ok, self._met[need], strict=True)]
        out: list[tuple[int, int]] = []
        for (start, end, _), good in zip(self.lines, ok, strict=True):
            if not good:
                continue
            if out and out[-1][1] == start:
                out[-1] = (out[-1][0], end)
            else:
                out.append((start, end))
        return out


def _holds(line: str, words: tuple[str, ...]) -> bool:
    return _any_of(words).search(line) is not None


@cache
def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    """A search for any of `words` as written (literals only: the engine skips ahead fast)."""
    return re.compile("|".join(map(re.escape, words)))


def _word_ends(line: str, words: tuple[str, ...]) -> bool:
    """True when one of `words` occurs in `line` followed by no letter, digit or "_" (`\\w`)."""
    for word in words:
        at = line.find(word)
        while at >= 0:
            after = at + len(word)
            if after == len(line) or not (line[after].isalnum() or line[after] == "_"):
                return True
            at = line.find(word, at + 1)
    return False


_COMPILED: dict[str, list[tuple[re.Pattern[str], Resolver, Needs]]] = {}


def _compiled(language: str) -> list[tuple[re.Pattern[str], Resolver, Needs]]:
    if language not in _COMPILED:
        patterns = _patterns(language)
        assert len(patterns) == len(_NEEDS[language])
        _COMPILED[language] = [(p, r, n) for (p, r), n in zip(patterns, _NEEDS[language],
                                                                strict=True)]
    return _COMPILED[language]


# ---- resolution ------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _parse(expression: str, language: str) -> date | None:
    """dateparser on an isolated expression; a leap year base so that "29 février" parses."""
    import dateparser

    parsed = dateparser.parse(
        expression, languages=[language],
        settings={"RELATIVE_BASE": datetime(2000, 1, 1), "PREFER_DAY_OF_MONTH": "first",
                  "DATE_ORDER": "DMY" if language == "fr" else "MDY",
                  "PREFER_DATES_FROM": "current_period"})
    return parsed.date() if parsed else None


# The month of every spelling the patterns match (any case, with or without the dot), as
# dateparser reads it (`tests/test_events.py` checks the two agree): importing dateparser costs
# more than all the dates of a thousand articles.
_MONTH_NUMBERS: dict[str, dict[str, int]] = {
    "fr": {**{name: k for k, names in enumerate(
        ["janvier janv", "février fevrier févr fevr fév", "mars", "avril avr", "mai", "juin",
         "juillet juil", "août aout", "septembre sept", "octobre oct", "novembre nov",
         "décembre decembre déc dec"], 1) for name in names.split()}},
    "en": {**{name: k for k, names in enumerate(
        ["january jan", "february feb", "march mar", "april apr", "may", "june jun",
         "july jul", "august aug", "september sept sep", "october oct", "november nov",
         "december dec"], 1) for name in names.split()}},
}


def _month_number(name: str, language: str) -> int | None:
    known = _MONTH_NUMBERS.get(language, {}).get(name.lower().removesuffix("."))
    if known is not None:
        return known
    parsed = _parse(f"1 {name} 2000" if language == "fr" else f"{name} 1, 2000", language)
    return parsed.month if parsed else None


def _closest_year(month: int, day: int, published: date, lean: int = 0) -> date | None:
    """The date with this month and day nearest to `published` (see `_distance`); with a lean,
    the nearest on that side of the publication (on or before it for the past, on or after it
    for the future)."""
    best: date | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        if day > calendar.monthrange(year, month)[1]:
            continue
        candidate = date(year, month, day)
        if (lean < 0 and candidate > published) or (lean > 0 and candidate < published):
            continue
        if best is None or _distance(candidate, published) < _distance(best, published):
            best = candidate
    return best


def _distance(candidate: date, published: date) -> tuple[int, bool]:
    """How far a yearless date is from publication: news look back more often than ahead, so a
    future date counts double (ties go to the past)."""
    days = (candidate - published).days
    return (2 * days if days > 0 else -days), days > 0


def _mod_lean(m: re.Match[str], lean: int) -> int:
    """"dernier"/"passé"/"last" point back, "prochain"/"next" ahead; else the sentence's lean."""
    mod = (m.groupdict().get("mod") or "").lower()
    if mod in ("dernier", "passé", "last"):
        return -1
    if mod in ("prochain", "next"):
        return 1
    return lean


def _full(m: re.Match[str], published: date | None, language: str, lean: int = 0
          ) -> tuple[date, str, str] | None:
    day = 1 if m["day"].lower() == "1er" else int(m["day"])
    month = _month_number(m["month"], language)
    if month is None or day > calendar.monthrange(int(m["year"]), month)[1]:
        return None
    return date(int(m["year"]), month, day), DAY, ABSOLUTE


def _numeric(m: re.Match[str], published: date | None, language: str, lean: int = 0
             ) -> tuple[date, str, str] | None:
    year, month, day = int(m["year"]), int(m["m"]), int(m["day"])
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day), DAY, ABSOLUTE


def _day_month(m: re.Match[str], published: date | None, language: str, lean: int = 0
               ) -> tuple[date, str, str] | None:
    month = _month_number(m["month"], language)
    if published is None or month is None:
        return None
    day = 1 if m["day"].lower() == "1er" else int(m["day"])
    found = _closest_year(month, day, published, _mod_lean(m, lean))
    return (found, DAY, RELATIVE) if found else None


def _range_start(m: re.Match[str], published: date | None, language: str, lean: int = 0
                 ) -> tuple[date, str, str] | None:
    """"du 3 au 5 mars": the 3rd of the month (and year) the range ends in."""
    if m["year"]:
        return _full(m, published, language, lean)
    return _day_month(m, published, language, lean)


def _month_year(m: re.Match[str], published: date | None, language: str, lean: int = 0
                ) -> tuple[date, str, str] | None:
    month = _month_number(m["month"], language)
    return (date(int(m["year"]), month, 1), MONTH, ABSOLUTE) if month else None


def _month_alone(m: re.Match[str], published: date | None, language: str, lean: int = 0
                 ) -> tuple[date, str, str] | None:
    """"en juin": the nearest June; "septembre dernier" the last one before the publication
    month, "septembre prochain" the next one after it."""
    month = _month_number(m["month"], language)
    if published is None or month is None:
        return None
    first = published.replace(day=1)
    mod = (m.groupdict().get("mod") or "").lower()
    if mod in ("dernier", "passé", "last"):
        back = (first.month - month) % 12 or 12
        return _add_months(first, -back), MONTH, RELATIVE
    if mod in ("prochain", "next"):
        ahead = (month - first.month) % 12 or 12
        return _add_months(first, ahead), MONTH, RELATIVE
    found = _closest_year(month, 1, first, lean)
    return (found, MONTH, RELATIVE) if found else None


def _season(m: re.Match[str], published: date | None, language: str, lean: int = 0
            ) -> tuple[date, str, str] | None:
    """"le printemps dernier", "l'été prochain": the year of that season (the gold's unit for
    periods that are none of day, week, month, year). The season is dated by its start month;
    "dernier" means the last one begun before publication."""
    if published is None:
        return None
    start = {"printemps": 3, "été": 6, "automne": 9, "hiver": 12}[
        m["word"].lower().replace("’", "'").split()[-1].split("'")[-1]]
    year = published.year
    if m["mod"].lower() == "dernier":
        year -= 0 if published.month > start else 1
    else:
        year += 0 if published.month < start else 1
    return date(year, 1, 1), YEAR, RELATIVE


def _year(m: re.Match[str], published: date | None, language: str, lean: int = 0
          ) -> tuple[date, str, str]:
    return date(int(m["year"]), 1, 1), YEAR, ABSOLUTE


def _ago(m: re.Match[str], published: date | None, language: str, lean: int = 0
         ) -> tuple[date, str, str] | None:
    if published is None:
        return None
    raw = m["n"].lower()
    n = int(raw) if raw.isdigit() else _NUMBERS.get(raw)
    if not n:
        return None
    unit = m["unit"].lower()
    if unit.startswith(("jour", "day")):
        return published - timedelta(days=n), DAY, RELATIVE
    if unit.startswith(("semaine", "week")):
        return _monday(published - timedelta(weeks=n)), WEEK, RELATIVE
    months = n if unit.startswith(("mois", "month")) else 12 * n
    return _add_months(published.replace(day=1), -months), MONTH, RELATIVE


_WORD_OFFSETS: dict[str, tuple[str, int]] = {
    "avant-hier": (DAY, -2), "hier": (DAY, -1), "aujourd'hui": (DAY, 0), "demain": (DAY, 1),
    "après-demain": (DAY, 2), "ce matin": (DAY, 0), "ce soir": (DAY, 0),
    "cet après-midi": (DAY, 0), "cette nuit": (DAY, 0),
    "cette semaine": (WEEK, 0), "la semaine dernière": (WEEK, -1),
    "la semaine passée": (WEEK, -1), "la semaine prochaine": (WEEK, 1),
    "ce mois-ci": (MONTH, 0), "le mois dernier": (MONTH, -1), "le mois passé": (MONTH, -1),
    "le mois prochain": (MONTH, 1), "début du mois": (MONTH, 0), "au début du mois": (MONTH, 0),
    "fin du mois": (MONTH, 0), "à la fin du mois": (MONTH, 0),
    "début du mois dernier": (MONTH, -1), "au début du mois dernier": (MONTH, -1),
    "fin du mois dernier": (MONTH, -1), "à la fin du mois dernier": (MONTH, -1),
    "début du mois prochain": (MONTH, 1), "au début du mois prochain": (MONTH, 1),
    "fin du mois prochain": (MONTH, 1), "à la fin du mois prochain": (MONTH, 1),
    "cette année": (YEAR, 0), "l'année dernière": (YEAR, -1), "l'année passée": (YEAR, -1),
    "l'année prochaine": (YEAR, 1), "l'an dernier": (YEAR, -1), "l'an passé": (YEAR, -1),
    "l'an prochain": (YEAR, 1),
    "yesterday": (DAY, -1), "today": (DAY, 0), "tomorrow": (DAY, 1), "tonight": (DAY, 0),
    "this morning": (DAY, 0), "this evening": (DAY, 0), "this afternoon": (DAY, 0),
    "this week": (WEEK, 0), "last week": (WEEK, -1), "next week": (WEEK, 1),
    "this month": (MONTH, 0), "last month": (MONTH, -1), "next month": (MONTH, 1),
    "this year": (YEAR, 0), "last year": (YEAR, -1), "next year": (YEAR, 1),
}


def _word(m: re.Match[str], published: date | None, language: str, lean: int = 0
          ) -> tuple[date, str, str] | None:
    if published is None:
        return None
    key = re.sub(r"\s+", " ", m["word"].lower().replace("’", "'"))
    if key not in _WORD_OFFSETS:
        return None
    unit, offset = _WORD_OFFSETS[key]
    if unit == DAY:
        return published + timedelta(days=offset), DAY, RELATIVE
    if unit == WEEK:
        return _monday(published) + timedelta(weeks=offset), WEEK, RELATIVE
    if unit == MONTH:
        return _add_months(published.replace(day=1), offset), MONTH, RELATIVE
    return date(published.year + offset, 1, 1), YEAR, RELATIVE


def _this_year(m: re.Match[str], published: date | None, language: str, lean: int = 0
               ) -> tuple[date, str, str] | None:
    """"la fin de l'année": the publication year."""
    return (date(published.year, 1, 1), YEAR, RELATIVE) if published else None


def _weekday(m: re.Match[str], published: date | None, language: str, lean: int = 0
             ) -> tuple[date, str, str] | None:
    """A weekday is the last such day on or before publication (news report the past), the next
    one on or after it when its sentence looks ahead ("doit débuter mardi", "se rendra lundi")
    and always for "prochain"/"next"."""
    if published is None:
        return None
    names = [w.lower() for w in _WEEKDAYS[language]]
    target = names.index(m["weekday"].lower())
    mod = (m["mod"] or "").lower()
    if mod in ("prochain", "next"):
        ahead = (target - published.weekday()) % 7 or 7
        return published + timedelta(days=ahead), DAY, RELATIVE
    back = (published.weekday() - target) % 7
    if mod in ("dernier", "passé", "last") and back == 0:
        back = 7
    if lean > 0 and mod not in ("dernier", "passé", "last"):
        return published + timedelta(days=(target - published.weekday()) % 7), DAY, RELATIVE
    return published - timedelta(days=back), DAY, RELATIVE


def _weekend(m: re.Match[str], published: date | None, language: str, lean: int = 0
             ) -> tuple[date, str, str] | None:
    """The week of the weekend meant: "ce week-end" on a Monday is the one just past, on a
    Thursday the one ahead."""
    if published is None:
        return None
    word = m["word"].lower()
    if any(w in word for w in ("dernier", "passé", "last")):
        saturday = published - timedelta(days=(published.weekday() - 5) % 7 or 7)
    elif any(w in word for w in ("prochain", "next")):
        saturday = published + timedelta(days=(5 - published.weekday()) % 7 or 7)
    elif published.weekday() <= 1:  # Monday, Tuesday: the weekend just past
        saturday = published - timedelta(days=published.weekday() + 2)
    else:  # from Wednesday on: the coming (or current) weekend
        saturday = published + timedelta(days=5 - published.weekday())
    return _monday(saturday), WEEK, RELATIVE


_LEANING: frozenset[Resolver] = frozenset({_weekday, _day_month, _month_alone, _range_start})

# Days given relative to the date the text just told, not to the publication: "le 3 mars, …
# Le lendemain" is the 4th. "la veille de l'élection" is the eve of something else: skipped.
_ANAPHORA = {
    "fr": re.compile(rf"{_B}(?P<word>(?:le{_WS}lendemain|le{_WS}surlendemain|la{_WS}veille|"
                     rf"l['’]avant-veille)(?![\w-])(?!{_WS}(?:de|du|des)(?![\w-])|{_WS}d['’])"
                     rf"|le{_WS}même{_WS}jour|ce{_WS}jour-là|ce{_WS}mois-là|cette{_WS}année-là)"
                     rf"(?![\w-])", re.IGNORECASE),
    "en": re.compile(rf"{_B}(?P<word>the{_WS}next{_WS}day|the{_WS}following{_WS}day|"
                     rf"the{_WS}day{_WS}before|the{_WS}previous{_WS}day|the{_WS}same{_WS}day)"
                     rf"(?![\w-])", re.IGNORECASE),
}
_ANAPHORA_OFFSETS = {"le lendemain": (DAY, 1), "le surlendemain": (DAY, 2),
                     "la veille": (DAY, -1), "l'avant-veille": (DAY, -2),
                     "le même jour": (DAY, 0), "ce jour-là": (DAY, 0),
                     "ce mois-là": (MONTH, 0), "cette année-là": (YEAR, 0),
                     "the next day": (DAY, 1), "the following day": (DAY, 1),
                     "the day before": (DAY, -1), "the previous day": (DAY, -1),
                     "the same day": (DAY, 0)}
_FINER = {DAY: (DAY,), MONTH: (DAY, WEEK, MONTH), YEAR: (DAY, WEEK, MONTH, YEAR)}
ANAPHORA_CHARS = 1500  # how far back the date an anaphora counts from may be


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# ---- the stage -------------------------------------------------------------------------------

# Tense cues, nearest first: a future or conditional verb, "doit", "va", "prévu", "attendu",
# "jusqu'à" look ahead; an auxiliary of a past tense, "dernier", "hier" look back.
_AHEAD_FR = (r"[a-zàâçéèêîôûù]+(?:eront|erait|eraient|iront|irait|iraient|era|ira|rons|rez)|"
             r"sera|seront|serait|seraient|aura|auront|aurait|auraient|fera|feront|ferait|"
             r"pourra|pourront|pourrait|pourraient|devra|devront|devrait|devraient|ira|iront|"
             r"viendra|viendront|tiendra|tiendront|verra|faudra|vaudra|va|vont|doit|doivent|"
             r"(?:a|ont|avait|avaient|est|sont)[^\S\n]+(?:prévu|prévue|prévus|prévues)|"
             r"prévu|prévue|prévus|prévues|attendu|attendue|attendus|attendues|prochain|"
             r"prochaine|prochains|prochaines|jusqu['’]à|d['’]ici")
_BACK_FR = (r"a|ont|avait|avaient|eu|été|était|étaient|fut|furent|dernier|dernière|derniers|"
            r"dernières|passé|passée|hier")
_AHEAD_EN = (r"will|would|shall|is[^\S\n]+to|are[^\S\n]+to|going[^\S\n]+to|expected|scheduled|"
             r"planned|due|until|next|upcoming")
_BACK_EN = r"was|were|had|has|have|did|last|ago|yesterday"
_LEANS = {
    lang: re.compile(rf"(?<![\w'’-])(?:(?P<ahead>{ahead})|(?P<back>{back}))(?![\w-])")
    for lang, ahead, back in (("fr", _AHEAD_FR, _BACK_FR), ("en", _AHEAD_EN, _BACK_EN))}
_STOP = re.compile(r"(?<!\b[A-ZÀ-Ý])[.!?…](?=\s|$)|\n")  # a sentence end, not "B. Obama"
LEAN_CHARS = 120  # how far around an expression its sentence's tense is read


def _lean(text: str, start: int, end: int, language: str) -> int:
    """+1 when the nearest tense cue of the expression's sentence looks ahead, -1 when it looks
    back, 0 without one. Reads at most LEAN_CHARS on each side (linear in the text)."""
    lo, hi = max(0, start - LEAN_CHARS), min(len(text), end + LEAN_CHARS)
    stops = [m.end() for m in _STOP.finditer(text, lo, start)]
    lo = stops[-1] if stops else lo
    stop = _STOP.search(text, end, hi)
    hi = stop.start() if stop else hi
    best: tuple[int, int] | None = None
    for cue in _LEANS.get(language, _LEANS["fr"]).finditer(text, lo, hi):
        if start <= cue.start() < end:
            continue
        distance = start - cue.end() if cue.end() <= start else cue.start() - end
        sign = 1 if cue["ahead"] else -1
        if best is None or distance < best[0] or (distance == best[0] and sign < 0):
            best = (distance, sign)
    return best[1] if best else 0


def _boilerplate_lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) of every copyright-like line, found in one pass over the text."""
    spans: list[tuple[int, int]] = []
    low = text.lower()
    if not any(ch in text for ch in _ODD_CASES) and not any(
            word in low for word in ("©", "(c)", "copyright", "droits", "rights")):
        return spans  # none of the words every copyright line holds
    for m in _BOILERPLATE_LINE.finditer(text):
        start = text.rfind("\n", 0, m.start()) + 1
        if spans and spans[-1][1] >= start:
            continue
        end = text.find("\n", m.end())
        spans.append((start, len(text) if end < 0 else end))
    return spans


def find_dates(text: str, *, published: date | None, language: str = "fr") -> Iterator[Found]:
    """Yield the resolvable date expressions of `text`, in order, without overlaps.

    Linear in the text: each pattern scans it once, overlaps and copyright lines are checked by
    bisection in sorted spans, and a weekday's tense is read in a bounded window around it.
    """
    if language not in ("fr", "en"):
        return
    furniture = _boilerplate_lines(text)
    furniture_starts = [s for s, _ in furniture]
    taken: list[tuple[int, int]] = []  # sorted, non-overlapping spans of earlier patterns
    taken_starts: list[int] = []
    found: list[Found] = []
    lines = _Lines(text)
    for pattern, resolve, needs in _compiled(language):
        claimed: list[tuple[int, int]] = []  # this pattern's matches never overlap each other
        for m in (m for lo, hi in lines.spans(needs) for m in pattern.finditer(text, lo, hi)):
            start, end = m.span()
            k = bisect.bisect_left(taken_starts, end)  # spans starting before `end`
            if k and taken[k - 1][1] > start:
                continue
            f = bisect.bisect_right(furniture_starts, start) - 1
            if f >= 0 and start < furniture[f][1]:
                continue
            lean = _lean(text, start, end, language) if resolve in _LEANING else 0
            resolved = resolve(m, published, language, lean)
            if resolved is None:
                continue
            claimed.append((start, end))
            found.append(Found(start, end, *resolved))
        if claimed:  # two sorted runs: a linear merge
            taken = sorted(taken + claimed)
            taken_starts = [s for s, _ in taken]
    found.sort(key=lambda f: f.start)
    yield from _with_anaphora(text, found, taken, language, lines)


def _with_anaphora(text: str, found: list[Found], taken: list[tuple[int, int]], language: str,
                   lines: _Lines) -> list[Found]:
    """`found` (sorted) with the days told relative to the previous date of the text ("le
    lendemain", "la veille", "the next day"; "ce mois-là", "cette année-là"), each counted from
    the date told just before it, when that one is precise enough (one pass over both sorted
    lists)."""
    out: list[Found] = []
    k, last = 0, None  # next of `found` to emit; the last date emitted
    taken_starts = [s for s, _ in taken]
    spans = lines.spans(_ANAPHORA_NEEDS[language])
    for m in (m for lo, hi in spans for m in _ANAPHORA[language].finditer(text, lo, hi)):
        start, end = m.span()
        t = bisect.bisect_left(taken_starts, end)
        if t and taken[t - 1][1] > start:
            continue
        while k < len(found) and found[k].start < start:
            last = found[k]
            out.append(found[k])
            k += 1
        unit, offset = _ANAPHORA_OFFSETS[re.sub(r"\s+", " ",
                                                m["word"].lower().replace("’", "'"))]
        if (last is None or last.granularity not in _FINER[unit]
                or start - last.end > ANAPHORA_CHARS):
            continue  # "En 2009… Le lendemain": the day after what?
        day = (last.day + timedelta(days=offset) if unit == DAY else
               last.day.replace(day=1) if unit == MONTH else date(last.day.year, 1, 1))
        last = Found(start, end, day, unit, RELATIVE)
        out.append(last)
    return out + found[k:]


def _as_date(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def extract_events(articles: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """Return one row per date expression (schema "events"), linked to its sentence.

    An expression outside every sentence (a title line the splitter dropped) has no sentence to
    show it in and is left out, as are relative expressions of an undated article.
    """
    bounds = SentenceBounds(sentences)
    langs = articles["language"] if "language" in articles else pd.Series("fr", articles.index)
    rows = []
    for aid, text, published, language in zip(articles["article_id"], articles["text"],
                                              articles["published"], langs, strict=True):
        if aid not in bounds or not isinstance(text, str):
            continue
        for f in find_dates(text, published=_as_date(published), language=str(language)):
            sentence_id = bounds.sentence_at(aid, f.start)
            if sentence_id is None:
                continue
            rows.append({"article_id": aid, "sentence_id": sentence_id, "start": f.start,
                         "end": f.end, "expression": text[f.start : f.end],
                         "date": pd.Timestamp(f.day), "granularity": f.granularity,
                         "how": f.how})
    if not rows:
        return schema.empty("events")
    return schema.conform("events", pd.DataFrame(rows))


def infer_publication_dates(articles: pd.DataFrame, events: pd.DataFrame, *,
                            not_after: date | None = None) -> pd.DataFrame:
    """Return `articles` where each undated one takes the latest absolute date of its text.

    Only `date_source == 'unknown'` rows change, to `inferred`: a news text rarely mentions a day
    after it was written, so its latest full date is a lower bound close to the truth, not a
    certainty. Day-precise dates are preferred, then months; bare years ("depuis 2019") are too
    coarse to date an article and never used. Dates after `not_after` (default: today) are
    announcements, not history, and are ignored.
    """
    out = articles.copy()
    limit = pd.Timestamp(not_after or date.today())
    usable = events[(events["how"] == ABSOLUTE) & events["granularity"].isin([DAY, MONTH])
                    & (events["date"] <= limit)]
    unknown = out["date_source"] == "unknown"
    candidates = usable[usable["article_id"].isin(out.loc[unknown, "article_id"])]
    best: dict[str, pd.Timestamp] = {}
    for aid, group in candidates.groupby("article_id"):
        days = group[group["granularity"] == DAY]
        best[str(aid)] = (days if len(days) else group)["date"].max()
    inferred = unknown & out["article_id"].isin(list(best))
    if inferred.any():
        published = pd.to_datetime(out["published"]).astype("datetime64[us]")
        published = published.mask(inferred, out["article_id"].map(best))
        out["published"] = published
        out["date_source"] = out["date_source"].mask(inferred, "inferred")
    return schema.conform("articles", out)
