"""Sentiment: a transparent lexicon scorer for sentences, then articles and entities.

Why a lexicon and not a model: the dashboard has to *show why* a sentence is negative (the
words that moved the score, in `sentences.sentiment_terms`), it must run offline on a laptop over
thousands of articles, and it must read French first. The scorer follows VADER (Hutto & Gilbert,
2014): word valences in [-4, 4] from VADER's English lexicon and VADER-FR's hand-translated French
lexicon (both MIT, copied into `pipeline/data/` so that no GPL dependency comes along), a few
news-domain corrections (`pipeline/data/sentiment_overrides.tsv`), negation scopes ("ne … pas",
"jamais", "sans", "not", "n't"), intensifiers ("très", "profondément", "very"), contrast ("mais",
"but") and VADER's normalisation `s / sqrt(s² + 15)` into [-1, 1]. docs/sentiment.md compares it
with the packaged alternatives on labelled seed sentences.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from pipeline import schema, textnorm, wordforms

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("fr", "en")

# VADER's empirical constants.
B_INCR, B_DECR = 0.293, -0.293
N_SCALAR = -0.74  # a negated word keeps 74% of its strength, with the opposite sign
LESS_SCALAR = -0.5  # "moins bon", "less useful": weaker than a negation
ALPHA = 15.0  # normalisation: s / sqrt(s² + ALPHA)
BEFORE_CONTRAST, AFTER_CONTRAST = 0.5, 1.5  # "X, mais Y": Y is what the writer means

# Intensifiers and dampeners (VADER's English list, VADER-FR's French list, trimmed of words
# that are mostly something else in news: "ainsi", "tant", "juste", "quelque", "fort").
_BOOST_FR = """absolument archi beaucoup bigrement carrément complètement considérablement
davantage diablement drôlement entièrement exceptionnellement excessivement extrêmement
fabuleusement grandement hyper incroyablement infiniment particulièrement prodigieusement
profondément rudement sacrément spécialement super superbement tellement terriblement
totalement trop très ultra vachement vraiment énormément immensément fortement"""
_DAMP_FR = """approximativement assez difficilement guère insuffisamment légèrement peu plutôt
presque quasi quasiment rarement vaguement relativement"""
_BOOST_EN = """absolutely amazingly awfully completely considerably decidedly deeply
enormously entirely especially exceptionally extremely fabulously greatly highly hugely
incredibly intensely majorly more most particularly purely quite really remarkably so
substantially thoroughly totally tremendously uber unbelievably unusually utterly very"""
_DAMP_EN = """almost barely hardly marginally occasionally partly scarcely slightly somewhat
sort kind kinda"""
BOOSTERS: dict[str, dict[str, float]] = {
    "fr": {**dict.fromkeys(_BOOST_FR.split(), B_INCR), **dict.fromkeys(_DAMP_FR.split(), B_DECR)},
    "en": {**dict.fromkeys(_BOOST_EN.split(), B_INCR), **dict.fromkeys(_DAMP_EN.split(), B_DECR)},
}
# French adverbs follow the verb ("je regrette profondément"): look after the word too.
BOOST_AFTER = {"fr": 2, "en": 1}

# A second particle makes "ne" a negation; "ne" alone is expletive ("à moins qu'il ne parte")
# or restrictive ("ne … que").
_NE_PARTICLES = {"pas", "jamais", "plus", "rien", "guère", "aucun", "aucune", "nullement",
                 "point", "personne", "ni", "nulle"}
_BARE_NEG = {"fr": {"pas", "jamais", "sans", "aucun", "aucune", "nullement", "guère", "ni",
                    "non"},
             "en": {"not", "no", "never", "without", "nor", "none", "nobody", "nothing",
                    "neither", "cannot", "nowhere", "hardly"}}
# Multi-word negators, and phrases that look negative but are not ("sans doute" = probably).
Phrases = dict[str, list[tuple[str, ...]]]
_NEG_PHRASES: Phrases = {"fr": [("loin", "d'", "être"), ("loin", "de")], "en": [("far", "from")]}
_NOT_NEG: Phrases = {"fr": [("pas", "seulement"), ("non", "seulement"), ("pas", "que"),
                            ("sans", "doute"), ("sans", "aucun", "doute")],
                     "en": [("not", "only"), ("not", "just"), ("no", "doubt"),
                            ("without", "doubt")]}
# Concession: "malgré X, Y" / "despite X, Y" grants X and asserts Y, like "X, mais Y": the
# conceded words (up to the end of their clause: punctuation) count half, the others 1.5×.
# "malgré tout" and "malgré cela" mean "nevertheless": no clause is conceded.
_CONCESSION: Phrases = {"fr": [("malgré",), ("en", "dépit", "de"), ("en", "dépit", "du"),
                               ("en", "dépit", "des"), ("en", "dépit", "d'"), ("bien", "que"),
                               ("bien", "qu'"), ("même", "si"), ("quoique",), ("quoiqu'",)],
                        "en": [("despite",), ("in", "spite", "of"), ("although",), ("though",),
                               ("even", "if")]}
_NOT_NEG_FIRST = {lang: {p[0] for p in phrases} for lang, phrases in _NOT_NEG.items()}
_NEG_FIRST = {lang: {p[0] for p in phrases} for lang, phrases in _NEG_PHRASES.items()}
_CONCESSION_FIRST = {lang: {p[0] for p in phrases} for lang, phrases in _CONCESSION.items()}
_NOT_CONCESSION = {("malgré", "tout"), ("malgré", "cela"), ("malgré", "ça")}
_PUNCT_BREAK = {",", ";", ":", ".", "!", "?", "(", ")", "–", "—", "…"}
_LESS = {"fr": {"moins"}, "en": {"less", "fewer"}}
_LESS_NOT = {"fr": {("au", "moins"), ("à", "moins"), ("du", "moins")}, "en": {("at", "least")}}
# Every word that can make `_negated` change a factor ("ne", a negator, the first word of a
# negating phrase, "moins"): a sentence without one is left alone.
_NEG_TRIGGERS = {lang: {"ne", "n'"} | _BARE_NEG[lang] | _NEG_FIRST[lang] | _LESS[lang]
                 for lang in ("fr", "en")}
_CONTRAST = {"fr": {"mais", "cependant", "pourtant", "toutefois", "néanmoins"},
             "en": {"but", "however", "yet", "nevertheless"}}
# A noun the raters scored weakly (|valence| < 0.9 on VADER's ±4 scale) names a topic in news
# ("valeur", "problème", "repli"), it does not judge it; adjectives, verbs and strongly rated
# nouns ("faillite", "succès") still count.
WEAK_NOUN = 0.9
NEG_WINDOW = 6  # words a negation reaches, within its clause
CLAUSE_BREAK = {",", ";", ":", ".", "!", "?", "(", ")", "«", "»", "“", "”", '"', "–", "—",
                "…", "et", "mais", "car", "or", "and", "but", "because", "que", "qui", "which",
                "who", "that"}

_APOSTROPHE_CHARS = tuple(textnorm.APOSTROPHES)
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*'?|[^\w\s]", re.UNICODE)
_ELIDED = re.compile(rf"^({textnorm.FRENCH_ELIDED}')(.+)$")
_KEEP_WHOLE = {"aujourd'hui", "quelqu'un", "presqu'île", "prud'homme", "entr'acte"}
# French inflection → lexicon form, tried in order when the form itself is missing.
_FR_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("euses", "eux"), ("euse", "eux"), ("ives", "if"), ("ive", "if"), ("aux", "al"),
    ("elles", "el"), ("elle", "el"), ("ées", "er"), ("ée", "er"), ("és", "er"), ("é", "er"),
    ("aient", "er"), ("ait", "er"), ("ais", "er"), ("ant", "er"), ("ent", "er"), ("era", "er"),
    ("erait", "er"), ("eront", "er"), ("ons", "er"), ("ez", "er"), ("es", "er"), ("e", "er"),
    ("issaient", "ir"), ("issait", "ir"), ("issant", "ir"), ("issent", "ir"), ("it", "ir"),
    ("ies", "ir"), ("ie", "ir"), ("is", "ir"), ("i", "ir"),
    ("es", ""), ("s", ""), ("e", ""), ("x", ""),
)


@dataclass(frozen=True)
class Token:
    text: str  # as written
    norm: str  # lower case, straight apostrophe
    lemma: str | None = None
    name: bool = False  # capitalised inside the sentence, or part of a hyphenated compound


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, float]
    phrases: dict[tuple[str, ...], float]  # multi-word entries, longest match wins
    longest: int


@dataclass(frozen=True)
class Scored:
    score: float  # in [-1, 1]
    terms: list[tuple[str, float]]  # (word as written, its contribution on the [-1, 1] scale)

    @property
    def terms_text(self) -> str | None:
        """`chaos:-0.68; soutien:+0.18`, or None when no word carried sentiment."""
        return "; ".join(f"{w}:{v:+.2f}" for w, v in self.terms) or None


@cache
def load_lexicon(language: str, *, overrides: bool = True) -> Lexicon:
    """Return the packaged lexicon of `language`, with the news-domain overrides unless told not.

    `overrides=False` exists so that docs/sentiment.md can measure what the corrections buy.
    """
    words: dict[str, float] = {}
    for line in (DATA / f"sentiment_{language}.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, value = line.split("\t")
            words[word] = float(value)
    extra = (DATA / "sentiment_overrides.tsv").read_text(encoding="utf-8") if overrides else ""
    for line in extra.splitlines():
        if not line or line.startswith("#"):
            continue
        lang, word, value, *_ = line.split("\t")
        if lang == language:
            words[word] = float(value)
    phrases: dict[tuple[str, ...], float] = {}
    for word in [w for w in words if " " in w]:
        phrases[tuple(_split_words(word, language))] = words.pop(word)
    # zero-valued entries stay: they block the suffix fallback and the words of a neutral phrase
    return Lexicon(words, phrases, max((len(k) for k in phrases), default=1))


def _split_words(text: str, language: str) -> list[str]:
    return [t.norm for t in tokenize(text, language=language)]


def tokenize(text: str, *, language: str = "fr") -> list[Token]:
    """Split into words and punctuation; French elisions ("n'ai", "d'OpenAI") become two words.

    A French word is flagged `name` when it is capitalised after the sentence's first word ("le
    mont Maudit") or is part of a hyphenated compound ("Royaume-Uni", "lèse-majesté"): its
    valence would be that of another word, not of the name or the compound.
    """
    out: list[Token] = []
    plain = text
    for ch in _APOSTROPHE_CHARS:  # str.replace: much cheaper than str.translate on French text
        if ch in plain:
            plain = plain.replace(ch, "'")
    hyphens = any(h in text for h in _HYPHENS)
    matches = list(_TOKEN.finditer(plain)) if hyphens else []  # positions: compounds only
    raws = [m.group() for m in matches] if hyphens else _TOKEN.findall(plain)
    fr = language == "fr"
    compounds = _compounds(matches) if hyphens else set()
    first_word = True
    for k, raw in enumerate(raws):
        is_word = raw[0].isalpha()
        compound = k in compounds
        name = fr and is_word and (compound or (not first_word and raw[0].isupper()))
        first_word = first_word and not is_word
        if not (fr and "'" in raw):  # no elision without an apostrophe: a shared token
            out.append(_token(raw, name))
            continue
        norm = raw.lower()
        if norm not in _KEEP_WHOLE:
            m = _ELIDED.match(norm)
            if m:
                cut = len(m.group(1))
                out.append(Token(raw[:cut], m.group(1)))
                raw, norm = raw[cut:], norm[cut:]
                name = compound or (raw[:1].isupper() and len(out) > 1)
        out.append(Token(raw, norm, name=name))
    return out


@lru_cache(maxsize=200_000)
def _token(raw: str, name: bool) -> Token:
    """The token of a word as written (frozen, so one instance serves every sentence)."""
    return Token(raw, raw.lower(), name=name)


_HYPHENS = {"-", "‐", "‑"}
# Pronouns after a verb joined by a hyphen are not a compound: "regrette-t-il", "dit-elle".
_INVERTED = {"t", "il", "ils", "elle", "elles", "on", "je", "tu", "nous", "vous", "le", "la",
             "les", "lui", "leur", "moi", "toi", "y", "en", "ce", "là", "ci"}


def _compounds(matches: Sequence[re.Match[str]]) -> set[int]:
    """The positions of the words joined by a hyphen to a word (not to an inverted pronoun):
    words a and a + 2 with a hyphen between them and no spaces, found from the hyphens."""
    out: set[int] = set()
    for h in range(1, len(matches) - 1):
        if matches[h].group() not in _HYPHENS:
            continue
        left, hyphen, right = matches[h - 1], matches[h], matches[h + 1]
        if (left.end() == hyphen.start() and hyphen.end() == right.start()
                and left.group()[0].isalpha() and right.group()[0].isalpha()
                and right.group().lower() not in _INVERTED):
            out.update((h - 1, h + 1))
    return out


def _lookup(tok: Token, lex: Lexicon, language: str) -> float | None:
    if len(tok.norm) < 2 or not tok.norm[0].isalpha() or tok.name:
        return None
    if tok.norm in lex.words:
        valence: float | None = lex.words[tok.norm]
    elif tok.lemma is not None and tok.lemma.lower() in lex.words:
        valence = lex.words[tok.lemma.lower()]
    else:
        valence = _by_lemma(tok.norm, language) if language == "fr" else None
    if valence and language == "fr" and abs(valence) < WEAK_NOUN and _only_a_noun(tok.norm):
        return 0.0
    return valence


@lru_cache(maxsize=200_000)
def _word_valence(norm: str, lemma: str | None, name: bool, language: str) -> float | None:
    """`_lookup` in the language's lexicon, remembered per word: words recur, sentences do not.
    Keyed by the fields `_lookup` reads (a Token hashes far slower than this tuple)."""
    return _lookup(Token(norm, norm, lemma, name), load_lexicon(language), language)


@lru_cache(maxsize=100_000)
def _only_a_noun(norm: str) -> bool:
    """True for a word that French uses only as a noun ("valeur", "problème", "repli")."""
    return (wordforms.is_a(norm, "noun") and not wordforms.is_a(norm, "adj")
            and not wordforms.is_a(norm, "verb"))


@lru_cache(maxsize=100_000)
def _by_lemma(norm: str, language: str) -> float | None:
    """A French form VADER-FR lacks, looked up by its lemma in the French model's lemma table:
    in VADER-FR first ("nuisent" → "nuire"), then among the verbs and then the adjectives rated
    by synonym expansion ("remportent" → "remporter", "calamiteuses" → "calamiteux"), then
    through a small suffix table for forms the table lacks."""
    words = load_lexicon(language).words
    lemmas = wordforms.lemmas(norm)
    for lemma in lemmas:
        if lemma in words:
            return words[lemma]
    for rated in (load_verbs(language), load_adjectives(language)):
        for lemma in lemmas:
            if lemma in rated:
                return rated[lemma]
    return _by_suffix(norm, language)


# French verbs and adjectives VADER-FR lacks, rated from their synonyms' VADER-FR valences and
# reviewed by hand (pipeline/data/sentiment_fr_verbs.tsv and sentiment_fr_adjectives.tsv, made
# by tools/sentiment_verbs.py; docs/sentiment.md).
VERBS = {"fr": "sentiment_fr_verbs.tsv"}
ADJECTIVES = {"fr": "sentiment_fr_adjectives.tsv"}


@cache
def load_verbs(language: str) -> dict[str, float]:
    """Return {verb lemma: valence on VADER's ±4 scale}; empty for a language without the file.

    Only read for words VADER-FR lacks, so a news-domain override always wins over it.
    """
    return _read_rated(VERBS.get(language))


@cache
def load_adjectives(language: str) -> dict[str, float]:
    """Return {adjective lemma: valence on VADER's ±4 scale}; empty for a language without the
    file. Read after VADER-FR, the overrides and the verbs, for the same reason."""
    return _read_rated(ADJECTIVES.get(language))


def _read_rated(name: str | None) -> dict[str, float]:
    """A synonym-rated word list: `word<TAB>valence<TAB>voting synonyms`, '#' comments."""
    if name is None:
        return {}
    rated: dict[str, float] = {}
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, value, *_ = line.split("\t")
            rated[word] = float(value)
    return rated


@lru_cache(maxsize=100_000)
def _by_suffix(norm: str, language: str) -> float | None:
    """A French inflected form looked up by its lexicon form; cached, the scan is the slow part."""
    words = load_lexicon(language).words
    for suffix, repl in _FR_SUFFIXES:
        stem = norm[: -len(suffix)]
        if norm.endswith(suffix) and len(stem) >= 3 and stem + repl in words:
            return words[stem + repl]
    return None


@cache
def _phrase_starts(language: str) -> frozenset[str]:
    """The first words of the lexicon's multi-word entries (a cheap test before the slices)."""
    return frozenset(phrase[0] for phrase in load_lexicon(language).phrases)


def _match(words: Sequence[str], i: int, phrases: Iterable[tuple[str, ...]]) -> int:
    """Length of the first of `phrases` found at position i, else 0."""
    if i >= len(words):
        return 0
    first = words[i]
    for phrase in phrases:  # the first word first: no slice for the words no phrase begins with
        if phrase[0] == first and tuple(words[i : i + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def _negated(words: Sequence[str], language: str) -> list[float]:
    """Per word, the factor negation (or "moins") applies to it: 1.0 when none."""
    factor = [1.0] * len(words)
    if _NEG_TRIGGERS[language].isdisjoint(words) and not (
            language == "en" and any(w.endswith("n't") for w in words)):
        return factor  # most sentences: no word that could start a negation or "moins"

    def reach(start: int, extra: int = 0) -> None:
        j, seen = start, 0
        while j < len(words) and seen < NEG_WINDOW + extra and words[j] not in CLAUSE_BREAK:
            factor[j] = N_SCALAR
            j += 1
            seen += 1

    i = 0
    while i < len(words):
        w = words[i]
        skip = _match(words, i, _NOT_NEG[language]) if w in _NOT_NEG_FIRST[language] else 0
        if skip:
            i += skip
            continue
        if language == "fr" and w in ("ne", "n'"):
            window = words[i + 1 : i + 6]
            particle = next((k for k, x in enumerate(window) if x in _NE_PARTICLES), None)
            if (particle is not None and not any(x in CLAUSE_BREAK for x in window[:particle])
                    and not _match(words, i + 1 + particle, _NOT_NEG[language])):
                # the verb sits between "ne" and the particle: "ne fonctionne pas"
                reach(i + 1, extra=particle + 1)
                i += particle + 2
                continue
        n = _match(words, i, _NEG_PHRASES[language]) if w in _NEG_FIRST[language] else 0
        if n:
            reach(i + n)
            i += n
            continue
        if w in _BARE_NEG[language] or (language == "en" and w.endswith("n't")):
            reach(i + 1)
        elif w in _LESS[language] and (i == 0 or (words[i - 1], w) not in _LESS_NOT[language]):
            for j in range(i + 1, min(i + 3, len(words))):
                if words[j] in CLAUSE_BREAK:
                    break
                factor[j] = LESS_SCALAR
        i += 1
    return factor


def _conceded(words: Sequence[str], language: str) -> set[int]:
    """Positions inside a concessive clause ("malgré la crise", "despite the storm")."""
    out: set[int] = set()
    first = _CONCESSION_FIRST[language]
    if first.isdisjoint(words):
        return out
    for i in range(len(words)):
        if words[i] not in first:  # the cheap test first: this runs on every word
            continue
        n = _match(words, i, _CONCESSION[language])
        if not n or tuple(words[i : i + 2]) in _NOT_CONCESSION:
            continue
        j = i + n
        while j < len(words) and words[j] not in _PUNCT_BREAK:
            out.add(j)
            j += 1
    return out


def score_tokens(tokens: Sequence[Token], *, language: str) -> Scored:
    """VADER-style score of one sentence, with the words that moved it."""
    if language not in LANGUAGES:
        raise ValueError(f"no sentiment lexicon for language {language!r}")
    lex = load_lexicon(language)
    words = [t.norm for t in tokens]
    neg = _negated(words, language)
    boosters = BOOSTERS[language]
    contrast = None if _CONTRAST[language].isdisjoint(words) else next(
        (i for i, w in enumerate(words) if w in _CONTRAST[language] and i > 0), None)
    conceded = _conceded(words, language)
    hits: list[tuple[int, str, float]] = []
    phrase_starts = _phrase_starts(language)
    valences = [_word_valence(t.norm, t.lemma, t.name, language) for t in tokens]
    # a word with no valence that begins no phrase moves nothing: visit the others only
    free = 0  # the first word not inside a phrase already scored
    for i in [i for i, v in enumerate(valences) if v or words[i] in phrase_starts]:
        if i < free:
            continue
        n, valence = 0, None
        starts = words[i] in phrase_starts  # else no phrase can begin here
        for size in range(min(lex.longest, len(words) - i) if starts else 0, 1, -1):
            phrase = tuple(words[i : i + size])
            if phrase in lex.phrases:
                n, valence = size, lex.phrases[phrase]
                break
        if valence is None:
            n, valence = 1, valences[i]
        if valence and words[i] not in boosters:
            text = " ".join(t.text for t in tokens[i : i + n])
            hits.append((i, text, _modified(valence, i, n, words, neg, boosters, language)))
        free = i + n
    terms: list[tuple[str, float]] = []
    total = 0.0
    for i, text, value in hits:
        if contrast is not None:
            value *= BEFORE_CONTRAST if i < contrast else AFTER_CONTRAST
        if conceded:  # what is granted counts half, what is asserted 1.5×, as around "mais"
            value *= BEFORE_CONTRAST if i in conceded else AFTER_CONTRAST
        total += value
        terms.append((text, max(-1.0, min(1.0, value / 4))))
    score = total / math.sqrt(total * total + ALPHA) if total else 0.0
    return Scored(round(score, 4), [(w, v) for w, v in terms if round(v, 2)])


def _modified(valence: float, i: int, n: int, words: Sequence[str], neg: Sequence[float],
              boosters: dict[str, float], language: str) -> float:
    """The word's valence after the intensifiers around it and the negation over it."""
    sign = 1.0 if valence > 0 else -1.0
    for distance, j in enumerate(range(i - 1, max(i - 4, -1), -1)):
        if words[j] in CLAUSE_BREAK:
            break
        if words[j] in boosters:
            valence += sign * boosters[words[j]] * (1.0, 0.95, 0.9)[distance]
    for j in range(i + n, min(i + n + BOOST_AFTER[language], len(words))):
        if words[j] in CLAUSE_BREAK:
            break
        if words[j] in boosters:
            valence += sign * boosters[words[j]]
            break
    if valence * sign < 0:  # a dampener on a weak word softens it to nothing, never flips it
        valence = 0.0
    return valence * neg[i]


def score_text(text: str, *, language: str = "fr") -> Scored:
    """Score one piece of text (a sentence) without spaCy: the fast path."""
    return score_tokens(tokenize(text, language=language), language=language)


def score_sentences(sentences: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Return `sentences` with `sentiment` in [-1, 1] and the `sentiment_terms` behind it.

    Sentences of articles in a language without a lexicon get nulls, not a fake 0. Words missing
    from the lexicon are looked up by lemma (`pipeline.wordforms`: the French model's tables,
    without running the model). Each sentence is tokenised and scored in turn (streaming), so
    memory holds the scores, never every sentence's tokens.
    """
    out = sentences.copy()
    meta = _article_texts(articles)
    scores: list[float | None] = [None] * len(out)
    terms: list[str | None] = [None] * len(out)
    rows = zip(out["article_id"], out["start"], out["end"], strict=True)
    for k, (aid, start, end) in enumerate(rows):
        text, language = meta.get(aid, ("", None))
        if language in LANGUAGES:
            result = score_text(text[int(start) : int(end)], language=language)
            scores[k], terms[k] = result.score, result.terms_text
    out["sentiment"] = pd.Series(scores, index=out.index, dtype="float64")
    out["sentiment_terms"] = pd.Series(terms, index=out.index, dtype="str")
    return schema.conform("sentences", out)


def _article_texts(articles: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    langs = articles["language"] if "language" in articles else pd.Series("fr", articles.index)
    return {aid: (text if isinstance(text, str) else "", lang if isinstance(lang, str) else None)
            for aid, text, lang in zip(articles["article_id"], articles["text"], langs,
                                       strict=True)}


def score_articles(articles: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """Return `articles` with `sentiment` = mean of its scored sentences (null when none is)."""
    out = articles.copy()
    means = sentences.dropna(subset=["sentiment"]).groupby("article_id")["sentiment"].mean()
    out["sentiment"] = out["article_id"].map(means).astype("float64")
    return schema.conform("articles", out)


def score_entities(entities: pd.DataFrame, mentions: pd.DataFrame, sentences: pd.DataFrame, *,
                   weight_by_mentions: bool = False) -> pd.DataFrame:
    """Return `entities` with `sentiment` = mean score of the sentences that mention each one.

    By default each sentence counts once per entity, so a sentence that names someone three times
    does not outweigh three sentences; `weight_by_mentions=True` counts every mention instead.
    """
    out = entities.copy()
    keys = ["article_id", "sentence_id"]
    pairs = mentions[["entity_id", *keys]]
    if not weight_by_mentions:
        pairs = pairs.drop_duplicates()
    scored = pairs.merge(sentences[[*keys, "sentiment"]].dropna(subset=["sentiment"]), on=keys)
    means = scored.groupby("entity_id")["sentiment"].mean()
    out["sentiment"] = out["entity_id"].map(means).astype("float64")
    return schema.conform("entities", out)
