"""Resolve: raw entity spans → canonical entities (`mentions`, `entities`, `aliases` tables).

Analysts judge the tool by whether "Altman", "Sam Altman", "M. Altman" and a typo like "Sam Altam"
land on one person, and "OpenAI", "Openai" and "OpenAl" on one organisation — without ever merging
two different people. The rules, in the order they run (each merged surface records its rule in
the `aliases` table):

0. Not names: role phrases ("ministre de la Santé", "Premier ministre"), demonyms ("Français",
   "Américains": a capitalised French adjective with a demonym ending on the stem of a place
   name, from Unicode CLDR's country names and the corpus's places), persons that are plural
   common nouns ("Gilets"), and spans with no capital letter that the corpus never capitalises
   ("l'état", "commission") are left out of the tables (`non_name_reason`). Word classes come
   from the French model's lemmatizer tables (`pipeline.wordforms`).
1. `split`: a coordinated span ("Microsoft et OpenAI", "Altman and Brockman", "Microsoft-OpenAI")
   becomes one mention per part, but only when every part is a name known elsewhere in the corpus.
2. `same-name`: spans with the same matching key (`normalise_name`: case, accents, apostrophes,
   titles such as "M." or "le PDG", elisions such as "d'", a leading article "la France", a
   possessive 's) are one entity, whatever label spaCy gave each of them.
3. `fuzzy`: a rare spelling one edit away from a more frequent name ("OpenAl", "Sam Altam") joins
   it — never for names shorter than 6 characters, never across different numbers ("Orca 2" /
   "Orca 3"), symbols ("Google+" / "Google"), first letters ("Gambie" / "Zambie"), ordinary words
   ("ministre" / "ministère"), never between two places one letter apart ("Cagnes" / "Cannes"),
   two spellings written in one sentence ("Cagnes, Cannes et Mandelieu"), two full names of
   people with different first names, or two frequent names. In one article, a person's full
   name two edits from another with the same first name is a typo too ("Sam Altam" beside "Sam
   Altman": an article does not name two people that alike).
4. Short forms, within an article: `surname` and `first-name` ("Altman", "Satya": the only person
   of the article whose name ends or starts with it — also when spaCy tagged the surname as a
   place; with several bearers, the only one introduced before the mention), `initial` ("B.
   Obama"), `short-name` ("Ana Pastor" for "Ana Pastor García"), `acronym` (an expansion the
   article defines, "Parti socialiste (PASOK)", or whose initials it spells, "HRW"), `head` (a
   name of ordinary words that begins exactly one longer name there: "Assemblée", "Conseil de
   sécurité").
5. The same, across the corpus, for what step 4 left alone: a bare surname, initial or beginning
   links to a full name only if exactly one person in the corpus has it; an acronym only if the
   corpus defines it one way. Otherwise the bare name stays an entity of its own, and
   `suggest_merges` lists it for the analyst.

Cost: linear in the mentions except the per-sentence pairs of step 3 (capped at 50 names a
sentence), the per-article pairs of people and of acronyms × long names (quadratic in one
article's names, not in the corpus), and `suggest_merges` (quadratic, capped at 5,000 entities).

The entity's label is the majority over its mentions (the raw labels stay in `mentions.label` as
evidence); its name is the most frequent form of its most complete name; its id is
`<label>:<slug of the name>` (e.g. `per:sam-altman`), made unique with `-2`, `-3`...
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict, deque
from collections.abc import Collection, Container, Hashable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import cast

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from pipeline import schema, textnorm, wordforms

LABELS = ("PER", "ORG", "LOC", "MISC")  # also the tie-break order: MISC is spaCy's catch-all
RULES = ("same-name", "surname", "first-name", "initial", "short-name", "acronym", "head", "fuzzy",
         "split", "curation")
SPAN_COLUMNS = schema.SPAN_COLUMNS
FUZZY_MIN_LENGTH = 6  # below this one edit is another word: "Bayer"/"Bauer", "AFP"/"AFD"
SUGGEST_MAX_ENTITIES = 5000  # suggest_merges compares the most mentioned entities only

# ---------------------------------------------------------------------------------------------
# Normalisation: the matching key of a name


_SAME_CHARS = str.maketrans({**textnorm.APOSTROPHES, **textnorm.SPACES,
                              "`": "'", "\n": " ", "\r": " "})
_EDGE = " \"'«»“”„‟‹›()[]{},;:!?*•–—-"
_ELISIONS = {
    "fr": textnorm.FRENCH_ELIDED,
    "it": r"(?:l|d|dell|dall|nell|sull|all|un|quell)",
    "ca": r"(?:l|d|s|m|n|t)",
}
_ELISION_RES = {lang: re.compile(rf"^{pattern}'(?=\w)", re.IGNORECASE)
                for lang, pattern in _ELISIONS.items()}
# Titles dropped before a capitalised name. Deliberately short: "General Motors", "Lady Gaga" or
# "Miss France" must keep their first word.
_TITLES = (
    "mme", "mmes", "mlle", "mlles", "me", "mgr", "dr", "pr", "prof", "monsieur", "madame",
    "mademoiselle", "docteur", "professeur", "maître", "maitre", "mr", "mrs", "ms", "mx", "sir",
    "professor", "pdg", "ceo", "cto", "cfo", "coo", "président", "présidente", "president",
    "ministre", "minister", "sénateur", "sénatrice", "senator", "député", "députée",
    "secrétaire", "porte-parole", "directeur", "directrice", "maire", "gouverneur", "juge",
    "procureur", "procureure", "ambassadeur", "ambassadrice", "commissaire", "préfet",
    "préfète", "chancelier", "chancelière", "governor", "mayor", "chancellor",
)
_TITLE = re.compile(
    r"^(?:(?:le|la|les|the)\s+|l')?(?:(?:m|mm)\.\s*|(?:premi(?:er|ère)\s+ministre|prime\s+minister|"
    + "|".join(_TITLES) + r")(?:\.\s*|\s+))",
    re.IGNORECASE,
)
# A leading article is not part of the matching key: "la France" is France, "Le Monde" is the
# "Monde" of "au Monde". A French preposition too, when written in lower case ("de France"), so
# that "Des Moines" keeps its first word (`_keys`: the key itself is lower case).
_KEY_ARTICLE = re.compile(r"^(?:(?:(?:le|la|les|the)\s+|l')(?=\w))+", re.IGNORECASE)
_KEY_PREPOSITION = re.compile(r"^(?:de|du|des)\s+(?=[^\W\d_])")
_DISPLAY_ARTICLE = re.compile(r"^(?:(?:le|la|les|the)\s+|l')(?=[^\W\d_])")
_POSSESSIVE = re.compile(r"'s$", re.IGNORECASE)
_TRAILING_PARENS = re.compile(r"^(.*?\w.*?)\s*\([^()]*\)$")
_SEPARATORS = re.compile(r"[\-‐‑‒–—―·•_/\\]+")
_SPACES = re.compile(r"\s+")


def _strip_edges(text: str) -> str:
    text = text.strip(_EDGE)
    if text.endswith(".") and not re.search(r"(?:^|[\s.])\w\.$", text):  # "Co." but not "U.S."
        text = text[:-1].strip(_EDGE)
    return text


def _clean(text: str, language: str) -> str:
    """Return the name as written minus what is not the name: quotes, elision, title, 's."""
    text = _SPACES.sub(" ", text.translate(_SAME_CHARS))
    elision_re = _ELISION_RES.get(language)
    for _ in range(5):  # "M. le président d'..." peels one layer per pass
        before = text
        parens = _TRAILING_PARENS.match(text.strip())
        if parens:
            text = parens.group(1)
        text = _strip_edges(text)
        if elision_re:
            text = elision_re.sub("", text)
        title = _TITLE.match(text)
        if title and title.end() < len(text) and text[title.end()].isupper():
            text = text[title.end():]
        text = _POSSESSIVE.sub("", text)
        if text == before:
            break
    return text.strip()


@lru_cache(maxsize=200_000)
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _SEPARATORS.sub(" ", text.replace(".", "")).strip(_EDGE)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=200_000)
def normalise_name(text: str, *, language: str = "fr") -> str:
    """Return the matching key of a name: "d'OpenAI" → "openai", "M. Altman" → "altman".

    Case, accents, apostrophe and quote styles, dashes, dots and spacing are folded; titles
    ("M.", "Mme", "Dr", "le PDG", "Mr", "CEO"...) are dropped before a capitalised word, and so
    are elisions ("d'", "l'", "qu'": French, Italian and Catalan only, so "D'Souza" survives in
    English) and a possessive "'s". Only a key: display names keep the text as written.
    """
    key = _fold(_strip_article(_clean(text, language)))
    for _ in range(3):  # a folded dash can expose an elision: "-d'x"
        again = _fold(_strip_article(_clean(key, language)))
        if again == key:
            break
        key = again
    return key


def _strip_article(text: str) -> str:
    """Drop a leading article, whatever its case: "la France", "Le Monde"."""
    match = _KEY_ARTICLE.match(text)
    return text[match.end():] if match and match.end() < len(text) else text


@lru_cache(maxsize=200_000)
def display_name(text: str, *, language: str = "fr") -> str:
    """Return the name as written, without quotes, elision, title or a lower-case article:
    "d'OpenAI" → "OpenAI", "la France" → "France" (but "Le Monde" stays whole)."""
    cleaned = _clean(text, language) or text.strip()
    match = _DISPLAY_ARTICLE.match(cleaned)
    if match and cleaned[0].islower():
        cleaned = cleaned[match.end():]
    return cleaned


def slug(key: str) -> str:
    """Return the readable, URL-safe part of an entity id: "sam altman" → "sam-altman"."""
    return re.sub(r"[\W_]+", "-", key).strip("-") or "unnamed"


def make_entity_id(label: str, name: str, taken: Collection[str] = ()) -> str:
    """Return `<label>:<slug of the name>`, suffixed `-2`, `-3`... if already taken.

    The slug folds case, accents and dots of the display name but keeps its words ("Le Monde" →
    `org:le-monde`), so an id reads like the name the dashboard shows.
    """
    base = f"{label.lower()}:{slug(_fold(display_name(name)))}"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def majority_label(labels: Iterable[str]) -> str:
    """Return the most frequent label; ties go to PER, then ORG, LOC, MISC."""
    return _majority(Counter(labels))


_LABEL_ORDER = {label: i for i, label in enumerate(LABELS)}


def _majority(counts: Counter[str]) -> str:
    """`majority_label` of labels already counted (no pass over the mentions again)."""
    if not counts:
        return "MISC"
    order = _LABEL_ORDER
    return min(counts, key=lambda lab: (-counts[lab], order.get(lab, len(order)), lab))


def _label_counts(keys: Iterable[str], labels: Iterable[str]) -> dict[str, Counter[str]]:
    """Per key, how often each label was given: the pairs are counted in one C-level pass, then
    regrouped per distinct pair, so the Python work scales with distinct names, not mentions."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for (key, label), n in Counter(zip(keys, labels, strict=True)).items():
        out[key][label] = n
    return out


# ---------------------------------------------------------------------------------------------
# Public result


@dataclass(frozen=True)
class Resolved:
    mentions: pd.DataFrame  # schema "mentions"
    entities: pd.DataFrame  # schema "entities" (sentiment null)
    aliases: pd.DataFrame  # schema "aliases"


def _empty() -> Resolved:
    return Resolved(schema.empty("mentions"), schema.empty("entities"), schema.empty("aliases"))


def resolve_entities(spans: pd.DataFrame, articles: pd.DataFrame) -> Resolved:
    """Return mentions with their entity, the entities and their aliases (see the module doc).

    `spans` has the columns of `pipeline.annotate.SPAN_COLUMNS`; `articles` gives each article's
    `language` (for elisions) and `published` date (for `first_seen`/`last_seen`). Every span that
    is a name is kept (a coordinated span is replaced by its parts, each with its own offsets);
    spans that are not names — demonyms, role phrases, common nouns (see `non_name_reason`) — are
    left out of the tables (the raw spans stay in the build cache).
    """
    spans = spans[SPAN_COLUMNS].drop_duplicates(["article_id", "start", "end"])
    if spans.empty:
        return _empty()
    languages = _article_map(articles, "language", "fr")
    texts = _article_map(articles, "text", "")
    # Text columns as Python objects: the rules below iterate them row by row, and iterating
    # pandas' Arrow-backed strings costs ~4 µs a value.
    frame = pd.DataFrame({
        "article_id": pd.Series(spans["article_id"].astype("str").to_list(), dtype=object),
        "sentence_id": spans["sentence_id"].astype("int64").to_list(),
        "start": spans["start"].astype("int64").to_list(),
        "end": spans["end"].astype("int64").to_list(),
        "surface": pd.Series(spans["surface"].astype("str").to_list(), dtype=object),
        "label": pd.Series(spans["label"].astype("str").to_list(), dtype=object),
    })
    frame["language"] = frame["article_id"].map(languages).fillna("fr").astype(object)
    frame["key"] = pd.Series(_keys(frame, languages), dtype=object)
    frame = frame[_is_name(frame, languages)].reset_index(drop=True)
    if frame.empty:
        return _empty()
    frame = _split_coordinations(frame, languages)
    links = _link(frame, texts, languages)
    # Per distinct node (fewer than mentions): its cluster, numbered in order of appearance,
    # the cluster's head key and the node's rule; then one array lookup per mention.
    row_node = links.codes
    cluster_no: dict[Node, int] = {}
    cluster = np.array([cluster_no.setdefault(links.cluster[n], len(cluster_no))
                        for n in links.distinct], dtype=np.int64)
    head = np.array([links.head[links.cluster[n]] for n in links.distinct], dtype=object)
    rule = np.array([links.rule[n] for n in links.distinct], dtype=object)[row_node]
    frame["cluster"] = cluster[row_node]
    frame["head"] = pd.Series(head[row_node], dtype=object)
    split = frame["split"].to_numpy(dtype=bool) & (rule == "same-name")
    frame["rule"] = pd.Series(np.where(split, "split", rule), dtype=object)
    return _tables(frame, articles, languages)


def _article_map(articles: pd.DataFrame, column: str, default: str) -> dict[str, str]:
    if column not in articles.columns or "article_id" not in articles.columns:
        return {}
    values = articles[column]
    return {str(aid): default if pd.isna(value) else str(value)
            for aid, value in zip(articles["article_id"], values, strict=True)}


def _keys(frame: pd.DataFrame, languages: dict[str, str]) -> list[str]:
    """The matching key of each row, computed once per distinct (language, surface)."""
    keys: dict[tuple[str, str], str] = {}
    for pair in set(zip(_row_languages(frame, languages), frame["surface"], strict=True)):
        keys[pair] = _key(*pair)
    return [keys[pair] for pair in zip(_row_languages(frame, languages), frame["surface"],
                                       strict=True)]


def _key(language: str, surface: str) -> str:
    if language == "fr":  # "de France" is France; "Des Moines" keeps its capital
        surface = _KEY_PREPOSITION.sub("", surface.strip(), count=1) or surface
    key = normalise_name(surface, language=language)
    # Junk with no name-like character ("«»") keeps a key of its own, so it merges nothing.
    return key or "#" + _SPACES.sub(" ", surface.strip().casefold())


def _row_languages(frame: pd.DataFrame, languages: dict[str, str]) -> Iterable[str]:
    """Each row's article language ("fr" when unknown): the column `resolve_entities` adds."""
    if "language" in frame.columns:
        return frame["language"]
    return [languages.get(aid, "fr") for aid in frame["article_id"]]


# ---------------------------------------------------------------------------------------------
# Rule 0: what is not a name

# Functions and ranks: a span that starts with one ("ministre de la Santé", "Premier ministre",
# "porte-parole du gouvernement") names a role, not someone; before a name the title is dropped
# instead ("le ministre Jean Dupont" → "Jean Dupont", `_TITLE`).
_ROLE_NOUNS = frozenset({
    *_TITLES, "ministres", "présidents", "présidentes", "président-candidat", "secrétaire",
    "secrétaires", "porte-parole", "directeur", "directrice", "directeurs", "chef", "cheffe",
    "chefs", "maire", "maires", "députés", "sénateurs", "gouverneur", "gouverneurs", "juge",
    "juges", "procureur", "procureure", "ambassadeur", "ambassadrice", "commissaire", "préfet",
    "préfète", "recteur", "rectrice", "candidat", "candidate", "conseiller", "conseillère",
    "chancelier", "chancelière", "vice-président", "vice-présidente", "dg", "secretary",
    "spokesman", "spokeswoman", "spokesperson", "governor", "mayor", "chancellor", "chairman",
    "chairwoman",
})
_ROLE_LEADS = frozenset({"premier", "première", "vice", "ancien", "ancienne", "ex", "former",
                         "prime", "deputy", "nouveau", "nouvelle", "futur", "future"})
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


def non_name_reason(surface: str, label: str, *, language: str = "fr",
                    places: Collection[str] = ()) -> str | None:
    """Return why a recognised span is not a name, or None when it may be one.

    - `role`: it names a function ("ministre de la Santé", "Premier ministre", "le PDG d'X");
    - `demonym`: a nationality or inhabitant word ("Français", "Américains", "Grecs"): a
      capitalised French adjective sharing its stem with a place in `places` (folded keys);
    - `common noun`: a person that is the plural of a common noun ("Gilets" of "gilets jaunes").

    The word classes come from the French lemmatizer tables (`pipeline.wordforms`); lower-case
    spans are judged by `resolve_entities`, which can see whether the corpus capitalises them.
    """
    text = display_name(surface, language=language)
    words = _WORD.findall(text)
    if not words:
        return None
    first = words[0].lower()
    if first in _ROLE_NOUNS or (first in _ROLE_LEADS and len(words) > 1
                                and words[1].lower() in _ROLE_NOUNS):
        return "role"
    if language != "fr" or len(words) != 1 or text != words[0] or not text[0].isupper():
        return None
    word = text.lower()
    if not text[1:].islower():
        return None
    if wordforms.is_a(word, "adj") and _fold(word) not in _territories("fr"):
        demonym = _DEMONYM.match(_fold(word))
        if demonym:
            stem = demonym.group(1)
            size = min(len(stem), max(4, len(stem) - 1), _PLACE_PREFIX)
            begins = _prefixes(places).get(stem[:size], ())
            # A place that begins with the word itself names the place ("Corse", "Corse-du-Sud").
            if any(not place.startswith(_fold(word)) for place in begins):
                return "demonym"
    if label == "PER" and word[-1] in "sx" and any(
            lemma != word for lemma in wordforms.lemmas(word)) and (
            wordforms.is_a(word, "noun") or wordforms.is_a(word, "adj")):
        return "common noun"
    return None


# French demonym endings on a folded word: américain-s, franç-ais, chin-ois, syr-iens, grec-s,
# belg-es. The stem must begin a place name: "Royal" has no such ending, "Orange" no such place.
_DEMONYM = re.compile(r"^(\w{3,}?)(?:ais|ois|ains?|aines?|iens?|iennes?|eens?|eennes?|ans?|anes?"
                      r"|ols?|oles?|ins?|ines?|ites?|ands?|andes?|cs?|es?|aises?|oises?)$")
_PLACE_PREFIX = 8


def _prefixes(places: Collection[str]) -> dict[str, list[str]]:
    """Every 3- to 8-letter beginning of the place names → the places (cached on the
    collection's identity: one corpus, one table)."""
    key = id(places)
    cached = _PREFIX_CACHE.get(key)
    if cached is None or cached[0] is not places:
        prefixes: dict[str, list[str]] = defaultdict(list)
        for place in places:
            for n in range(3, min(len(place), _PLACE_PREFIX) + 1):
                prefixes[place[:n]].append(place)
        _PREFIX_CACHE.clear()
        _PREFIX_CACHE[key] = (places, prefixes)
        return prefixes
    return cached[1]


_PREFIX_CACHE: dict[int, tuple[Collection[str], dict[str, list[str]]]] = {}


@lru_cache(maxsize=4)
def _territories(language: str) -> frozenset[str]:
    """Folded names of the world's countries and regions (Unicode CLDR, through Babel)."""
    try:
        from babel import Locale

        names = set(Locale.parse(language).territories.values())
    except (ImportError, ValueError):
        return frozenset()
    return frozenset(_fold(n) for n in names)


def _is_name(frame: pd.DataFrame, languages: dict[str, str]) -> pd.Series:
    """True for the rows whose span may be a name (see `non_name_reason`).

    A span with no capital letter ("commission européenne", "l'état") is a common noun unless
    the corpus writes the same name with a capital elsewhere, then it is that name.
    """
    # Every rule below runs once per distinct (key, surface, label, language), not per mention.
    rows = list(zip(frame["key"], frame["surface"], frame["label"],
                    _row_languages(frame, languages), strict=True))
    distinct = set(rows)
    capitalised = {key for key, surface, _, _ in distinct if any(ch.isupper() for ch in surface)}
    places = set(_territories("fr")) | set(_territories("en"))
    labels = _label_counts(frame["key"], frame["label"])
    places |= {k for k, c in labels.items() if _majority(c) == "LOC"}
    frozen = frozenset(places)
    keep: dict[tuple[str, str, str, str], bool] = {}
    for row in distinct:
        key, surface, label, language = row
        keep[row] = (key in capitalised or key.startswith("#")) and non_name_reason(
            surface, label, language=language, places=frozen) is None
    return pd.Series([keep[row] for row in rows], index=frame.index, dtype="bool")


# ---------------------------------------------------------------------------------------------
# Rule 1: coordinated spans

_COORDINATION = re.compile(r"\s*[,/]\s*|\s+(?:et|and|ou|or|&)\s+")
_HYPHEN = re.compile(r"(?<=[^\W\d_])[-‐‑](?=[^\W\d_])")


def _split_coordinations(frame: pd.DataFrame, languages: dict[str, str]) -> pd.DataFrame:
    """Replace each coordinated span whose parts are all known names by one row per part."""
    frame = frame.assign(split=False)
    coordinated = {surface for surface in set(frame["surface"])
                   if _COORDINATION.search(surface) or _HYPHEN.search(surface)}
    candidates = frame["surface"].isin(coordinated)
    if not candidates.any():
        return frame
    known = set(frame.loc[~candidates, "key"])
    # Hyphens join first names ("Jean-Pierre") and place names ("États-Unis"): split them only
    # into parts known as organisations, places or things ("le partenariat Microsoft-OpenAI").
    single = frame.loc[~candidates]
    not_person = {key for key, counts in _label_counts(single["key"], single["label"]).items()
                  if _majority(counts) != "PER"}
    for key, counts in _label_counts(frame["key"], frame["label"]).items():
        tokens = key.split()
        if len(tokens) >= 2 and counts["PER"] > 0:
            known.update((tokens[0], tokens[-1]))
    rows = []
    for row in frame[candidates].itertuples(index=False):
        language = languages.get(row.article_id, "fr")
        parts = _parts(row.surface, _COORDINATION) or _parts(row.surface, _HYPHEN)
        is_hyphen = bool(parts) and not _COORDINATION.search(row.surface)
        keys = [normalise_name(row.surface[a:b], language=language) for a, b in parts]
        pool = not_person if is_hyphen else known
        if (len(parts) >= 2 and all(len(k) >= 2 and k in pool for k in keys)
                and len(set(keys)) == len(keys)):
            rows += [
                {**row._asdict(), "start": row.start + a, "end": row.start + b,
                 "surface": row.surface[a:b], "key": key, "split": True}
                for (a, b), key in zip(parts, keys, strict=True)
            ]
        else:
            rows.append({**row._asdict(), "split": False})
    whole = frame[~candidates]
    parts_frame = pd.DataFrame(rows, columns=frame.columns).astype(frame.dtypes.to_dict())
    return pd.concat([whole, parts_frame], ignore_index=True)


def _parts(surface: str, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    """Return the (start, end) of each part between separators, trimmed; [] if one is empty."""
    bounds, start = [], 0
    for match in separator.finditer(surface):
        bounds.append((start, match.start()))
        start = match.end()
    if not bounds:
        return []
    bounds.append((start, len(surface)))
    trimmed = []
    for a, b in bounds:
        while a < b and surface[a] in _EDGE:
            a += 1
        while b > a and surface[b - 1] in _EDGE:
            b -= 1
        if a >= b:
            return []
        trimmed.append((a, b))
    return trimmed


# ---------------------------------------------------------------------------------------------
# Rules 2-5: linking names into clusters

Node = tuple[Hashable, ...]


class _UnionFind:
    """Clusters of nodes that also remember which rule joined each pair (for the aliases)."""

    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}
        self.edges: dict[Node, list[tuple[Node, str]]] = defaultdict(list)

    def add(self, node: Node) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: Node) -> Node:
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def union(self, a: Node, b: Node, rule: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        self.parent[ra] = rb
        self.edges[a].append((b, rule))
        self.edges[b].append((a, rule))


@dataclass
class _Name:
    """What the corpus says about one matching key."""

    count: int
    labels: Counter[str]

    @cached_property
    def label(self) -> str:
        return _majority(+self.labels)  # `+`: only the labels actually given

    @property
    def is_person(self) -> bool:
        return self.labels["PER"] > 0 and 2 * self.labels["PER"] >= self.count


_PARTICLES = {"de", "du", "des", "la", "le", "les", "van", "von", "der", "den", "di", "da", "del",
              "y", "e", "bin", "ibn", "al", "el", "jr", "sr", "ii", "iii"}


def _short_forms(full_names: Iterable[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Return {surname: full names ending with it}, {first name: full names starting with it}."""
    surnames: dict[str, set[str]] = defaultdict(set)
    first_names: dict[str, set[str]] = defaultdict(set)
    for name in full_names:
        tokens = name.split()
        if len(tokens[0]) >= 2 and tokens[0] not in _PARTICLES:
            first_names[tokens[0]].add(name)
        for i in range(1, len(tokens)):
            suffix = tokens[i:]
            if len(" ".join(suffix)) >= 2 and not set(suffix) <= _PARTICLES:
                surnames[" ".join(suffix)].add(name)
    return surnames, first_names


@dataclass(frozen=True)
class _Links:
    codes: np.ndarray  # per row: its node, as a position in `distinct`
    distinct: list[Node]  # ("n", key), ("s", article_id, key) for a short form, or
    #                       ("s", article_id, key, start) for one shared by several people there
    cluster: dict[Node, Node]  # node → its cluster
    head: dict[Node, str]  # cluster → the key its name comes from
    rule: dict[Node, str]  # node → the rule that joined it to its cluster's head


@dataclass
class _ShortForms:
    """Short key → the longer keys it may stand for, per rule (see the module doc)."""

    tables: dict[str, dict[str, set[str]]]  # rule → short key → long keys, within an article
    corpus_tables: dict[str, dict[str, set[str]]]  # the same across the corpus, when only one
    targets: set[str]  # keys that short forms link to


def _short_form_tables(frame: pd.DataFrame, names: dict[str, _Name],
                       texts: dict[str, str], languages: dict[str, str],
                       by_article: dict[str, list[str]]) -> _ShortForms:
    """Return what each short form (surname, first name, initial, acronym...) may stand for."""
    people = {k for k, n in names.items() if len(k.split()) >= 2 and n.is_person
              and not k.startswith("#")}
    # "B. Obama": an initial and a surname, a short form of the full name.
    initialled = {k for k in people if len(k.split()[0]) == 1}
    full = people - initialled
    # A full name that is itself the tail of a longer one ("Le Pen" in "Marine Le Pen"), its
    # head, or its beginning ("Ana Pastor" of "Ana Pastor García") is a short form, not a target.
    tails, heads = _short_forms(full)
    beginnings: dict[str, set[str]] = defaultdict(set)
    for key in full:
        tokens = key.split()
        for n in range(2, len(tokens)):
            if " ".join(tokens[:n]) in full:
                beginnings[" ".join(tokens[:n])].add(key)
    people_targets = full - set(tails) - set(heads) - set(beginnings)
    surnames, first_names = _short_forms(people_targets)
    # "Pastor" for "Ana Pastor García" when the corpus also writes "Ana Pastor".
    for beginning, longer in beginnings.items():
        tokens = beginning.split()
        surnames[" ".join(tokens[1:])] |= longer & people_targets
    by_rest: dict[str, set[str]] = defaultdict(set)
    for key in people_targets:
        tokens = key.split()
        by_rest[" ".join(tokens[1:])].add(key)
    initials = {k: {t for t in by_rest.get(" ".join(k.split()[1:]), set())
                    if t[0] == k[0]} for k in initialled}

    # Organisations: "Assemblée" for "Assemblée nationale", "Conseil de sécurité" for "Conseil de
    # sécurité de l'ONU": a name made of ordinary words that begins exactly one longer name.
    surface_of = dict(zip(frame["key"], frame["surface"], strict=False))
    things = {k for k, n in names.items() if not n.is_person and n.label != "LOC"
              and not k.startswith("#")}
    long_things = {k for k in things if len(k.split()) >= 2}
    generic = {k for k in things if _ordinary_words(str(surface_of[k]), languages)}
    head_nouns: dict[str, set[str]] = defaultdict(set)
    for key in long_things:
        tokens = key.split()
        for n in range(1, len(tokens)):
            prefix = " ".join(tokens[:n])
            if prefix in generic and tokens[n - 1] not in _STOPWORDS:
                head_nouns[prefix].add(key)
    thing_targets = {k for k, n in names.items() if not n.is_person and len(k.split()) >= 2
                     and not k.startswith("#")}
    acronyms, defined = _acronym_table(frame, texts, languages, names, surface_of, thing_targets,
                                       by_article)
    return _ShortForms(
        tables={"first-name": first_names, "surname": surnames, "initial": initials,
                "short-name": dict(beginnings), "head": dict(head_nouns), "acronym": acronyms},
        corpus_tables={"surname": surnames, "initial": initials, "short-name": dict(beginnings),
                       "acronym": defined},
        targets=people_targets | thing_targets,
    )


def _ordinary_words(surface: str, languages: dict[str, str]) -> bool:
    """True when every word of the name is an ordinary French word ("Conseil de sécurité")."""
    words = _WORD.findall(display_name(surface))
    return bool(words) and not _looks_like_acronym(surface) and all(
        w.lower() in _STOPWORDS or wordforms.is_word(w.lower()) for w in words)


def _link(frame: pd.DataFrame, texts: dict[str, str], languages: dict[str, str]) -> _Links:
    """Return each row's node, each node's cluster and rule, and each cluster's head key."""
    counted = _label_counts(frame["key"], frame["label"])
    names = {key: _Name(counted[key].total(), counted[key]) for key in sorted(counted)}
    # Each article's distinct keys, in order of appearance.
    by_article = cast(dict[str, list[str]], _group(frame["article_id"], frame["key"]))
    forms = _short_form_tables(frame, names, texts, languages, by_article)
    scoped = {k for table in forms.tables.values() for k, v in table.items() if v}
    pairs = [(aid, key) for aid, keys in by_article.items() for key in keys]
    present: dict[str, set[str]] = defaultdict(set)
    for aid, key in pairs:  # (article, key) pairs: fewer than mentions
        if key in forms.targets:
            present[aid].add(key)
    # A name that is a target elsewhere is a short form only where its longer name is written:
    # "Assemblée nationale" beside "Assemblée nationale du Québec".
    heads = forms.tables["head"]
    local_heads = {(aid, key) for aid, keys in present.items() for key in keys
                   if heads.get(key, set()) & keys}
    scoped -= forms.targets
    # Each (article, key) is one node, or, for a short form borne by several people there, one
    # node per mention (None below: decided mention by mention).
    node_of: dict[tuple[str, str], Node | None] = {}
    for aid, key in pairs:
        if key in scoped and len(_bearers(forms, key, present[aid])) > 1:
            node_of[(aid, key)] = None
        elif key in scoped or (aid, key) in local_heads:
            node_of[(aid, key)] = ("s", aid, key)
        else:
            node_of[(aid, key)] = ("n", key)
    # Each row's node as a number into `distinct`, found per (article, key) pair (numbered by
    # pandas, in C), per row only for the shared short forms.
    pair_of_row = frame.groupby(["article_id", "key"], sort=False).ngroup().to_numpy()
    first_rows = np.unique(pair_of_row, return_index=True)[1]
    aids, keys = frame["article_id"].to_numpy(), frame["key"].to_numpy()
    code_of: dict[Node, int] = {}
    pair_code = np.array([
        -1 if (node := node_of[(aids[r], keys[r])]) is None
        else code_of.setdefault(node, len(code_of)) for r in first_rows.tolist()
    ], dtype=np.int64)
    codes = pair_code[pair_of_row]
    starts = frame["start"].to_numpy()
    for r in np.flatnonzero(codes < 0).tolist():
        codes[r] = code_of.setdefault(("s", aids[r], keys[r], int(starts[r])), len(code_of))
    distinct = list(code_of)
    uf = _UnionFind()
    for key in forms.targets:  # what short forms link to, even where only short forms remain
        uf.add(("n", key))
    for node in distinct:
        uf.add(node)

    together = _seen_together(frame)
    last_surface = dict(zip(frame["key"], frame["surface"], strict=True))  # the last one wins
    surfaces = {str(k): display_name(str(v)) for k, v in last_surface.items()}
    for rare, target in _fuzzy_pairs({k: n for k, n in names.items() if k not in scoped},
                                     together, surfaces):
        uf.union(("n", rare), ("n", target), "fuzzy")
    people = {k for k in forms.targets if names[k].is_person}
    for rare, target in _fuzzy_people(by_article, names, people):
        uf.union(("n", rare), ("n", target), "fuzzy")

    _link_short_forms(frame, codes, distinct, uf, names, forms, present)
    return _heads_and_rules(uf, codes, distinct, names)


def _bearers(forms: _ShortForms, key: str, local: set[str]) -> set[str]:
    """The people of an article a first name or surname may stand for."""
    return (forms.tables["surname"].get(key, set()) | forms.tables["first-name"].get(key, set())
            ) & local


def _seen_together(frame: pd.DataFrame) -> _SeenTogether:
    """Pairs of keys written in the same sentence: two names, not one name spelt two ways."""
    return _SeenTogether(frame)


class _SeenTogether:
    """`(a, b) in together`: keys a < b are written in one sentence (of at most 50 names: a
    sentence listing more is a table, not prose). Built on the first question, as the sentences
    of each key: every pair of a corpus' sentences would be quadratic in a sentence's names."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame: pd.DataFrame | None = frame[["article_id", "sentence_id", "key"]]
        self._code: dict[str, int] = {}
        self._keys = self._sentences = np.array([], dtype=np.int64)

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2 or not pair[0] < pair[1]:
            return False
        if self._frame is not None:
            self._index(self._frame)
            self._frame = None
        a, b = self._code.get(pair[0]), self._code.get(pair[1])
        if a is None or b is None:
            return False
        return bool(np.intersect1d(self._of(a), self._of(b), assume_unique=True).size)

    def _of(self, code: int) -> np.ndarray:
        lo, hi = np.searchsorted(self._keys, [code, code + 1])
        return self._sentences[lo:hi]

    def _index(self, frame: pd.DataFrame) -> None:
        """(key, sentence) pairs sorted by key, sentences of 2 to 50 distinct keys only."""
        sentence = frame.groupby(["article_id", "sentence_id"], sort=False).ngroup().to_numpy()
        key, names = pd.factorize(frame["key"])
        width = len(names) + 1
        pairs = np.unique(sentence.astype(np.int64) * width + key)  # distinct (sentence, key)
        sentences, keys = pairs // width, pairs % width
        size = np.bincount(sentences)[sentences]
        keep = (size > 1) & (size <= 50)
        order = np.lexsort((sentences[keep], keys[keep]))
        self._keys, self._sentences = keys[keep][order], sentences[keep][order]
        self._code = {str(name): i for i, name in enumerate(names)}


def _group(groups: Iterable[Hashable], keys: Iterable[str]) -> dict[Hashable, list[str]]:
    """The distinct keys of each group, in order of appearance (a fast groupby-unique)."""
    out: dict[Hashable, list[str]] = defaultdict(list)
    for group, key in dict.fromkeys(zip(groups, keys, strict=True)):  # distinct pairs, in order
        out[group].append(key)
    return dict(out)


def _link_short_forms(
    frame: pd.DataFrame,
    codes: np.ndarray,
    distinct: list[Node],
    uf: _UnionFind,
    names: dict[str, _Name],
    forms: _ShortForms,
    present: dict[str, set[str]],
) -> None:
    """Rules 4 and 5: short forms, in the article then the corpus (see the module doc)."""
    tables = forms.tables
    scoped_labels: dict[Node, Counter[str]] = defaultdict(Counter)
    for (code, label), n in Counter(zip(codes.tolist(), frame["label"], strict=True)).items():
        if distinct[code][0] == "s":
            scoped_labels[distinct[code]][label] = n
    # Where the targets are written, in the articles where several people share a short form.
    shared = {node[1] for node in scoped_labels if len(node) == 4}
    rows = frame[frame["article_id"].isin(shared) & frame["key"].isin(forms.targets)]
    positions: dict[str, list[tuple[int, str]]] = defaultdict(list)  # article → (start, target)
    for aid, key, start in zip(rows["article_id"], rows["key"], rows["start"], strict=True):
        positions[aid].append((int(start), key))
    for found in positions.values():
        found.sort()
    places = _territories("fr") | _territories("en")

    def best(keys: set[str]) -> dict[Node, tuple[str, int]]:
        """Root → the most mentioned of `keys` in that cluster."""
        out: dict[Node, tuple[str, int]] = {}
        for key in keys:
            root = uf.find(("n", key))
            if root not in out or names[key].count > out[root][1]:
                out[root] = (key, names[key].count)
        return out

    unresolved: dict[str, Node] = {}
    # Longer short forms first: "Conseil de sécurité" joins its long name before "Conseil" looks.
    for node in sorted(scoped_labels, key=lambda n: (-len(str(n[2])), str(n))):
        aid, key = str(node[1]), str(node[2])
        label = _majority(scoped_labels[node])
        local = present.get(aid, set())
        candidates: dict[Node, tuple[str, str]] = {}  # root → (rule, target key)
        if len(node) == 4:  # several people here bear it: the only one introduced before it
            bearers = _bearers(forms, key, local)
            before = {uf.find(("n", t)): t for s, t in positions[aid]
                      if s < cast(int, node[3]) and t in bearers}
            if len(before) == 1:
                (target,) = before.values()
                rule = "surname" if target in tables["surname"].get(key, ()) else "first-name"
                candidates[uf.find(("n", target))] = (rule, target)
        else:
            for rule, table in tables.items():
                if rule == "first-name" and label == "LOC":  # "Paris" is not Paris Hilton
                    continue
                if rule == "surname" and label == "LOC" and key in places:
                    continue
                for root, (target, _) in best(table.get(key, set()) & local).items():
                    candidates.setdefault(root, (rule, target))
            if not candidates:
                for rule, table in forms.corpus_tables.items():
                    if rule == "surname" and names[key].label != "PER":
                        continue
                    for root, (target, _) in best(table.get(key, set())).items():
                        candidates.setdefault(root, (rule, target))
        if len(candidates) == 1:
            rule, target = next(iter(candidates.values()))
            uf.union(node, ("n", target), rule)
        elif key in unresolved:
            uf.union(node, unresolved[key], "same-name")
        else:
            unresolved[key] = node


def _heads_and_rules(uf: _UnionFind, codes: np.ndarray, distinct: list[Node],
                     names: dict[str, _Name]) -> _Links:
    """Pick each cluster's head, then give each node the rule of the edge reaching it from there."""
    clusters: dict[Node, list[Node]] = defaultdict(list)
    for node in uf.parent:
        clusters[uf.find(node)].append(node)
    cluster: dict[Node, Node] = {}
    head: dict[Node, str] = {}
    rules: dict[Node, str] = {}
    for root, members in clusters.items():
        first = min(members, key=lambda n: _head_rank(n, names))
        head[root] = _node_key(first)
        rules[first] = "same-name"
        queue = deque([first])
        while queue:
            node = queue.popleft()
            for other, rule in uf.edges.get(node, []):
                if other not in rules:
                    rules[other] = rule
                    queue.append(other)
        for node in members:
            cluster[node] = root
            rules.setdefault(node, "same-name")  # every edge is within the cluster: unreachable
    return _Links(codes=codes, distinct=distinct, cluster=cluster, head=head, rule=rules)


def _node_key(node: Node) -> str:
    return str(node[1] if node[0] == "n" else node[2])


def _head_rank(node: Node, names: dict[str, _Name]) -> tuple[int, int, int, int, str]:
    """Sort key: the cluster's head is its most mentioned full name (not a bare short form)."""
    key = _node_key(node)
    return (node[0] != "n", -names[key].count, -len(key.split()), -len(key), str(node))


# ---------------------------------------------------------------------------------------------
# Rule 3: near-identical spellings


def _fuzzy_pairs(names: dict[str, _Name], together: Container[tuple[str, str]] = (),
                 surfaces: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """Return (rare spelling, more frequent name) pairs that are safe to merge."""
    buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key in names:
        if len(key.replace(" ", "")) >= FUZZY_MIN_LENGTH and not key.startswith("#"):
            buckets[(key[0], len(key))].append(key)
    pairs = []
    for key in sorted(k for bucket in buckets.values() for k in bucket):
        pool = [k for d in (-2, -1, 0, 1, 2) for k in buckets.get((key[0], len(key) + d), [])
                if k != key]
        if not pool:
            continue
        allowed = 2 if len(key) >= 12 else 1
        matches = process.extract(key, pool, scorer=OSA.distance,
                                  score_cutoff=allowed, limit=None)
        options = [
            (distance, -names[other].count, other)
            for other, distance, _ in matches
            if distance <= (2 if min(len(key), len(other)) >= 12 else 1)
            and _rarer(key, other, names)
            and _fuzzy_safe(key, other, names, together=together, surfaces=surfaces) is None
        ]
        if options:
            pairs.append((key, min(options)[2]))
    return pairs


def _fuzzy_people(
    by_article: dict[str, list[str]], names: dict[str, _Name], people: set[str]
) -> list[tuple[str, str]]:
    """Return (rare, frequent) full names of people met in one article with the same first name
    and surnames two edits apart at most ("Sam Altam" beside "Sam Altman"): a typo, since an
    article does not name two people that alike."""
    pairs = []
    for every in by_article.values():  # each article's distinct keys
        keys = [k for k in every if k in people]
        for a in keys:
            ta = a.split()
            for b in keys:
                tb = b.split()
                if a == b or ta[0] != tb[0] or len(ta) != len(tb) or not _rarer(a, b, names):
                    continue
                sa, sb = " ".join(ta[1:]), " ".join(tb[1:])
                if (min(len(sa), len(sb)) >= 5 and OSA.distance(sa, sb) <= 2
                        and _fuzzy_safe(a, b, names) is None):
                    pairs.append((str(a), str(b)))
    return sorted(set(pairs))


def _rarer(key: str, other: str, names: dict[str, _Name]) -> bool:
    """True when `key` is the rarer spelling of the pair (ties broken by the key itself)."""
    a, b = names[key].count, names[other].count
    return (a, key) < (b, other)


def _fuzzy_safe(a: str, b: str, names: dict[str, _Name], *,
                together: Container[tuple[str, str]] = (),
                surfaces: dict[str, str] | None = None) -> str | None:
    """Return why two close spellings must not be merged automatically, or None if they may.

    `together` holds the pairs of keys written in one sentence; `surfaces` a form as written of
    each key (accents included), to tell ordinary words apart ("ministre"/"ministère").
    """
    if min(len(a.replace(" ", "")), len(b.replace(" ", ""))) < FUZZY_MIN_LENGTH:
        return "short name"
    if a[0] != b[0]:
        return "different first letter"
    if re.findall(r"\d+", a) != re.findall(r"\d+", b):
        return "different numbers"
    if _symbols(a) != _symbols(b):
        return "different symbols"  # "Google+"/"Google", "Canal+"/"Canal"
    if (min(a, b), max(a, b)) in together:
        return "written side by side"  # "Cagnes, Cannes et Mandelieu"
    if surfaces and a in surfaces and b in surfaces and _different_words(surfaces[a],
                                                                       surfaces[b]):
        return "different words"
    na, nb = names.get(a), names.get(b)
    if na is None or nb is None:
        return None
    if (na.label == nb.label == "LOC" and len(a) == len(b) and not _confusable(a, b)):
        return "two places"  # a place one letter from another is another place (Gambie/Zambie)
    ta, tb = a.split(), b.split()
    if (na.is_person or nb.is_person) and len(ta) >= 2 and len(tb) >= 2 and ta[0] != tb[0]:
        return "different first names"
    if not _labels_compatible(na, nb) and not _confusable(a, b):
        return f"different labels ({na.label}/{nb.label})"
    low, high = sorted((na.count, nb.count))
    if low > max(2, high // 3):
        return "both frequent"
    return None


def _symbols(key: str) -> list[str]:
    return sorted(ch for ch in key if not ch.isalnum() and not ch.isspace())


def _different_words(a: str, b: str) -> bool:
    """True when two spellings differ by words that are both ordinary French words."""
    wa, wb = _WORD.findall(a.lower()), _WORD.findall(b.lower())
    pairs = [(x, y) for x, y in zip(wa, wb, strict=False) if x != y]
    return (len(wa) == len(wb) and bool(pairs)
            and all(wordforms.is_word(x) and wordforms.is_word(y) for x, y in pairs))


def _confusable(a: str, b: str) -> bool:
    """True when the spellings differ only by l for I ("OpenAl"): the same letters to the eye, so
    the recogniser's label for the rare one says nothing."""
    diff = {frozenset((x, y)) for x, y in zip(a, b, strict=False) if x != y}
    return len(a) == len(b) and diff == {frozenset("li")}


def _labels_compatible(a: _Name, b: _Name) -> bool:
    if a.label == b.label or {a.label, b.label} <= {"ORG", "MISC"}:
        return True
    return bool(set(a.labels) & set(b.labels))


# ---------------------------------------------------------------------------------------------
# Acronyms

_STOPWORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en",
              "pour", "sur", "of", "the", "and", "for", "in", "on", "to"}
_PAREN_AFTER = re.compile(r"\s*\(\s*([^()\n]{1,80}?)\s*\)")


@lru_cache(maxsize=200_000)
def _looks_like_acronym(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    upper = sum(ch.isupper() for ch in letters)
    return (" " not in text.strip() and 2 <= len(letters) <= 10 and upper >= 2
            and 2 * upper >= len(letters))


@lru_cache(maxsize=200_000)
def _initials_match(acronym: str, expansion: str) -> bool:
    """True when the acronym's letters are the initials of the expansion's (main) words."""
    letters = _fold(acronym).replace(" ", "").upper()
    letters = "".join(ch for ch in letters if ch.isalnum())
    words = [w for w in re.split(r"[\s'\-]+", _fold(expansion)) if w and w[0].isalnum()]
    if len(words) < 2:
        return False
    every = "".join(w[0] for w in words).upper()
    main = "".join(w[0] for w in words if w not in _STOPWORDS).upper()
    return letters in (every, main)


def _abbreviates(short: str, long: str) -> bool:
    """True when the letters of `short` appear in order in `long`, the first one beginning a word
    (Schwartz & Hearst, 2003): "Febelfin" for "Fédération belge du secteur financier"."""
    letters = [ch for ch in _fold(short) if ch.isalnum()]
    text = _fold(long)
    if len(letters) < 2 or not text:
        return False
    j = len(text) - 1
    for i in range(len(letters) - 1, -1, -1):
        while j >= 0 and (text[j] != letters[i]
                          or (i == 0 and j > 0 and text[j - 1].isalnum())):
            j -= 1
        if j < 0:
            return False
        j -= 1
    return True


def _defines(short: str, long: str, long_name: _Name | None) -> bool:
    """True when "long (short)" written in a text defines `short` as an abbreviation of `long`.

    The initials ("OMS"), the letters in order ("Febelfin"), or an upper-case acronym after the
    name of an organisation, which translated names need ("Parti socialiste (PASOK)"); never
    after a person or a place ("Jean Dupont (UMP)", "Paris (AFP)"), and beginning with the same
    letter.
    """
    if " " in short.strip() or len(long.split()) < 2:
        return False
    if _initials_match(short, long) or (short[:1].isupper() and _abbreviates(short, long)):
        return True
    letters = [ch for ch in short if ch.isalpha()]
    return (_looks_like_acronym(short) and all(ch.isupper() for ch in letters)
            and _fold(short)[:1] == _fold(long)[:1]
            and long_name is not None and not long_name.is_person and long_name.label != "LOC")


def _acronym_table(
    frame: pd.DataFrame, texts: dict[str, str], languages: dict[str, str],
    names: dict[str, _Name], surface_of: dict[str, str], targets: set[str],
    by_article: dict[str, list[str]],
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Return ({acronym: names it may abbreviate in an article}, {acronym: names the corpus
    defines it as}): definitions "Expansion (ACR)" / "ACR (Expansion)" written in a text, and,
    within an article, a name whose initials spell the acronym ("HRW", "Human Rights Watch")."""
    # The texts are read per mention (what follows it); the rest runs per distinct pair.
    written: set[tuple[str, str, str]] = set()  # (acronym, expansion, language)
    inside_of = {s: _TRAILING_PARENS.match(s) for s in set(frame["surface"])}
    for aid, surface, start, end, language in zip(
            frame["article_id"], frame["surface"], frame["start"], frame["end"],
            _row_languages(frame, languages), strict=True):
        inside = inside_of[surface]  # the span holds "Expansion (ACR)" itself
        if inside:
            written.add((surface[inside.end(1):].strip(" ()"), inside.group(1), language))
            continue
        text = texts.get(aid, "")
        after = _PAREN_AFTER.match(text, end)
        if after and text[start:end] == surface:
            written.add((after.group(1), surface, language))
            written.add((surface, after.group(1), language))
    defined: dict[str, set[str]] = defaultdict(set)
    for acronym, expansion, language in sorted(written):
        acro = normalise_name(acronym, language=language)
        full = normalise_name(expansion, language=language)
        if (acro in names and full in targets and acro != full
                and _defines(acronym, expansion, names.get(full))):
            defined[acro].add(full)
    local: dict[str, set[str]] = defaultdict(set)
    for acro, fulls in defined.items():
        local[acro] |= fulls
    acronyms = {k for k in names if k in surface_of and _looks_like_acronym(surface_of[k])}
    for keys in by_article.values():
        here = [k for k in keys if k in acronyms]
        if not here:
            continue
        long_names = [k for k in keys if k in targets]
        for acro in here:
            for full in long_names:
                if _initials_match(surface_of[acro], surface_of[full]):
                    local[acro].add(full)
    return dict(local), dict(defined)


# ---------------------------------------------------------------------------------------------
# Tables


def _tables(frame: pd.DataFrame, articles: pd.DataFrame, languages: dict[str, str]) -> Resolved:
    """Build the three tables from the rows with their cluster, head key and rule."""
    # Clusters numbered in order of first appearance; each row's cluster number, then per
    # cluster its size, label counts and head forms (counted per distinct form, not per row).
    codes, clusters = pd.factorize(frame["cluster"])  # numbered in order of appearance
    row_cluster = codes.tolist()
    surfaces = frame["surface"].to_list()
    sizes = np.bincount(codes, minlength=len(clusters))
    label_counts: list[Counter[str]] = [Counter() for _ in clusters]
    for (c, label), n in Counter(zip(row_cluster, frame["label"], strict=True)).items():
        label_counts[c][label] = n
    forms_of: list[Counter[str]] = [Counter() for _ in clusters]
    is_head = (frame["key"].to_numpy(dtype=object) == frame["head"].to_numpy(dtype=object))
    heads = frame.loc[is_head]
    in_head = zip(codes[is_head].tolist(), heads["surface"], _row_languages(heads, languages),
                  strict=True)
    for (c, surface, language), n in Counter(in_head).items():
        forms_of[c][display_name(surface, language=language)] += n
    meta = []
    for c in range(len(clusters)):
        forms = forms_of[c]
        name = min(forms, key=lambda f: (-forms[f], f == f.lower(), -len(f), f))
        meta.append((c, int(sizes[c]), name, _majority(label_counts[c])))
    # Ids: the most mentioned entity keeps the plain slug when two would collide.
    meta.sort(key=lambda m: (-m[1], m[2], m[3]))
    taken: set[str] = set()
    entity_of_cluster = [""] * len(clusters)
    entity_rows = []
    for c, _, name, label in meta:
        eid = make_entity_id(label, name, taken)
        taken.add(eid)
        entity_of_cluster[c] = eid
        entity_rows.append((eid, name, label))
    entity_of_row = [entity_of_cluster[c] for c in row_cluster]
    frame = frame.assign(entity_id=pd.Series(entity_of_row, index=frame.index, dtype="str"))
    mentions = schema.conform(
        "mentions", frame.sort_values(["article_id", "start", "end"], kind="stable"))
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for (eid, surface, rule), n in Counter(zip(entity_of_row, surfaces, frame["rule"],
                                               strict=True)).items():
        votes[(eid, surface)][rule] = n
    rules = {pair: _majority_rule(counts) for pair, counts in votes.items()}
    entities = pd.DataFrame(entity_rows, columns=["entity_id", "name", "label"]).merge(
        entity_dates(mentions, articles), on="entity_id", how="left")
    entities, aliases = summarise_entities(mentions, entities, rules)
    return Resolved(mentions=mentions, entities=entities, aliases=aliases)


def _majority_rule(counts: Counter[str]) -> str:
    order = {rule: i for i, rule in enumerate(RULES)}
    return min(counts, key=lambda r: (-counts[r], order.get(r, len(order)), r))


def entity_dates(mentions: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Return entity_id, first_seen, last_seen: the range of its articles' publication dates."""
    if "published" in articles.columns and "article_id" in articles.columns:
        published = articles[["article_id", "published"]].astype(
            {"article_id": "str", "published": "datetime64[us]"})
        dated = mentions[["entity_id", "article_id"]].merge(published, on="article_id",
                                                            how="left")
    else:
        dated = mentions[["entity_id", "article_id"]].assign(
            published=pd.Series(pd.NaT, index=mentions.index, dtype="datetime64[us]"))
    bounds = dated.groupby("entity_id")["published"].agg(["min", "max"])
    return pd.DataFrame({
        "entity_id": bounds.index.astype("str"),
        "first_seen": bounds["min"].astype("datetime64[us]").to_numpy(),
        "last_seen": bounds["max"].astype("datetime64[us]").to_numpy(),
    })


def alias_string(counts: Iterable[tuple[str, int]]) -> str:
    """Return "Altman (40); Sam Altman (12)": most frequent first, then alphabetical."""
    ordered = sorted(counts, key=lambda sc: (-sc[1], sc[0]))
    return "; ".join(f"{surface} ({n})" for surface, n in ordered)


def summarise_entities(
    mentions: pd.DataFrame, entities: pd.DataFrame, rules: dict[tuple[str, str], str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the entities (counts and aliases recomputed from `mentions`) and the aliases table.

    `entities` supplies name, label, dates and sentiment per entity_id; entities without any
    mention are dropped, so counts always agree with `mentions`. `rules` gives the rule of each
    (entity_id, surface); a pair it does not know is a curation.
    """
    if mentions.empty:
        return schema.empty("entities"), schema.empty("aliases")
    per_surface = (mentions.groupby(["entity_id", "surface"]).size().rename("n_mentions")
                   .reset_index())
    per_surface["rule"] = [
        rules.get((e, s), "curation")
        for e, s in zip(per_surface["entity_id"], per_surface["surface"], strict=True)
    ]
    per_surface = per_surface.sort_values(["entity_id", "n_mentions", "surface"],
                                          ascending=[True, False, True], kind="stable")
    counts = mentions.groupby("entity_id").agg(
        n_mentions=("start", "size"), n_articles=("article_id", "nunique"))
    forms: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for eid, surface, n in zip(per_surface["entity_id"], per_surface["surface"],
                               per_surface["n_mentions"], strict=True):
        forms[eid].append((surface, int(n)))
    strings = {eid: alias_string(pairs) for eid, pairs in forms.items()}
    out = entities.drop(columns=[c for c in ("aliases", "n_mentions", "n_articles")
                                 if c in entities.columns])
    out = out[out["entity_id"].isin(counts.index)]
    out = out.merge(counts, left_on="entity_id", right_index=True, how="left")
    out["aliases"] = out["entity_id"].map(strings)
    out = out.sort_values(["n_mentions", "entity_id"], ascending=[False, True], kind="stable")
    return schema.conform("entities", out), schema.conform("aliases", per_surface)


# ---------------------------------------------------------------------------------------------
# Suggestions for the analyst


def suggest_merges(
    entities: pd.DataFrame,
    aliases: pd.DataFrame,
    *,
    limit: int = 50,
    max_entities: int = SUGGEST_MAX_ENTITIES,
) -> pd.DataFrame:
    """Return candidate merges the automatic rules did not dare make, best first.

    One row per pair: `entity_a` is the one to merge into `entity_b` (the more mentioned), with a
    score in [0, 1] and the reason in words, for the curation page to offer as one click.
    """
    columns = ["entity_a", "entity_b", "name_a", "name_b", "score", "reason"]
    if entities.empty:
        return _suggestions(pd.DataFrame(columns=columns))
    top = entities.sort_values(["n_mentions", "entity_id"], ascending=[False, True]).head(
        max_entities)
    info = {
        row.entity_id: (row.name, row.label, int(row.n_mentions), normalise_name(row.name))
        for row in top.itertuples(index=False)
    }
    found: dict[tuple[str, str], tuple[float, str]] = {}

    def offer(a: str, b: str, score: float, reason: str) -> None:
        if a == b:
            return
        small, big = sorted((a, b), key=lambda e: (info[e][2], e))
        pair = (small, big)
        if pair not in found or found[pair][0] < score:
            found[pair] = (round(score, 3), reason)

    people = {e: v for e, v in info.items() if v[1] == "PER" and len(v[3].split()) >= 2}
    tails, heads = _short_forms(v[3] for v in people.values())
    by_key: dict[str, list[str]] = defaultdict(list)
    for eid, (_, _, _, key) in people.items():
        by_key[key].append(eid)
    for eid, (name, label, _, key) in info.items():
        if label == "LOC":
            continue
        for table, word, base in ((tails, "surname", 0.85), (heads, "first name", 0.6)):
            owners = [o for full in table.get(key, ()) for o in by_key[full] if o != eid]
            for owner in owners:
                others = f" (and {len(owners) - 1} other)" if len(owners) > 1 else ""
                offer(eid, owner, base / len(owners),
                      f"'{name}' is the {word} of '{info[owner][0]}'{others}")

    acronyms = [e for e, v in info.items() if _looks_like_acronym(v[0])]
    long_names = [e for e, v in info.items() if len(v[3].split()) >= 2]
    for a in acronyms:
        for b in long_names:
            if _initials_match(info[a][0], info[b][0]):
                offer(a, b, 0.75, f"'{info[a][0]}' could abbreviate '{info[b][0]}'")

    ids = list(info)
    keys = [info[e][3] for e in ids]
    stats = {info[e][3]: _Name(info[e][2], Counter({info[e][1]: info[e][2]})) for e in ids}
    if len(ids) > 1:
        matrix = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=80, workers=1,
                               dtype=np.uint8)
        for i, j in zip(*matrix.nonzero(), strict=True):
            if i >= j or keys[i] == keys[j]:
                continue
            edits = OSA.distance(keys[i], keys[j])
            why = _fuzzy_safe(keys[i], keys[j], stats) or ("more than one edit" if edits > 1
                                                            else "not seen together")
            offer(ids[i], ids[j], float(matrix[i, j]) / 100 * 0.9,
                  f"similar spelling ({edits} edit{'s' if edits > 1 else ''}; not merged: {why})")

    # A name holding another entity's name or alias is often a span cut too long by the
    # recogniser ("Altman lundi", "coup d'État d'OpenAI").
    having: dict[str, list[str]] = defaultdict(list)  # token → entities whose name has it
    for eid, (_, _, _, key) in info.items():
        for token in set(key.split()):
            having[token].append(eid)
    forms: dict[str, dict[str, str]] = defaultdict(dict)  # entity → {key: surface}
    for eid, (name, _, _, key) in info.items():
        forms[eid][key] = name
    for eid, surface in zip(aliases["entity_id"], aliases["surface"], strict=True):
        if eid in info:
            forms[eid].setdefault(normalise_name(str(surface)), display_name(str(surface)))
    for eid, keyed in forms.items():
        for key, form in keyed.items():
            tokens = key.split()
            if len(key) < 4 or not tokens:
                continue
            padded = f" {key} "
            for other in having[tokens[0]]:
                other_name, other_key = info[other][0], info[other][3]
                if other != eid and len(other_key) > len(key) and padded in f" {other_key} ":
                    of = "" if form == info[eid][0] else f" (an alias of '{info[eid][0]}')"
                    offer(other, eid, 0.4, f"'{other_name}' contains '{form}'{of}")

    rows = [
        {"entity_a": a, "entity_b": b, "name_a": info[a][0], "name_b": info[b][0],
         "score": score, "reason": reason}
        for (a, b), (score, reason) in found.items()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.sort_values(["score", "entity_a", "entity_b"], ascending=[False, True, True])
    return _suggestions(frame.head(limit))


def _suggestions(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"entity_a": "str", "entity_b": "str", "name_a": "str", "name_b": "str",
                         "score": "float64", "reason": "str"}).reset_index(drop=True)
