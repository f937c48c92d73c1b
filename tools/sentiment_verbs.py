"""Propose French verbs for the sentiment fallback lexicon, by synonym expansion of VADER-FR.

Why: VADER-FR was translated from an English list rich in adjectives and poor in the verbs news
uses to report events ("remporter", "abîmer"); no French polarity lexicon installable offline
covers them (docs/sentiment.md compares the candidates). FEEL, the reference French lexicon, was
built the same way: translate, then expand to synonyms. Here a verb VADER-FR lacks gets the mean
VADER-FR valence of its synonyms in the LibreOffice French thesaurus (synonyms absent from
VADER-FR count 0, so a verb with mostly neutral synonyms stays out), kept when at least two
synonyms are rated and the mean reaches THRESHOLD; the mean is then scaled by the slope measured
on the verbs VADER-FR does rate (leave-one-out: each rated verb predicted from its synonyms).

Run once by a maintainer (the thesaurus is a Debian package, not a dependency):

    apt-get install mythes-fr
    .venv/bin/python tools/sentiment_verbs.py /usr/share/mythes/thes_fr.dat > /tmp/candidates.tsv

then read every candidate and keep in pipeline/data/sentiment_fr_verbs.tsv only those whose
usual French sense has that polarity (docs/sentiment.md: how the review was done).
"""

from __future__ import annotations

import sys
from pathlib import Path

from spacy.lang.fr.stop_words import STOP_WORDS

from pipeline import sentiment, wordforms

THRESHOLD = 0.25  # mean synonym valence (VADER's ±4 scale) a verb needs to be proposed


def read_thesaurus(path: Path) -> dict[str, list[str]]:
    """MyThes format: a 'word|n' line, then n lines '(Category)|syn|syn…'; one-word synonyms."""
    lines = path.read_text(encoding="utf-8").split("\n")[1:]  # the first line names the encoding
    out: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        if not lines[i]:
            i += 1
            continue
        head, n = lines[i].rsplit("|", 1)
        for line in lines[i + 1 : i + 1 + int(n)]:
            out.setdefault(head, []).extend(
                s for s in line.split("|")[1:] if " " not in s and "(" not in s and s != head)
        i += 1 + int(n)
    return out


def rated(word: str, words: dict[str, float]) -> float | None:
    """VADER-FR's valence of a word or of its lemma (None when it has none)."""
    if word in words:
        return words[word]
    return next((words[x] for x in wordforms.lemmas(word) if x in words), None)


def synonym_mean(head: str, synonyms: list[str], words: dict[str, float]
                 ) -> tuple[float, list[str]] | None:
    """Mean valence over the synonyms (unrated ones count 0) and the rated synonyms."""
    unique = list(dict.fromkeys(synonyms))
    values = {s: rated(s, words) or 0.0 for s in unique}
    voters = [s for s, v in values.items() if v]
    if len(voters) < 2:
        return None
    return sum(values.values()) / len(unique), voters


def main(path: str) -> None:
    words = sentiment.load_lexicon("fr").words
    verbs = wordforms._tables()[1].get("verb", frozenset())
    thesaurus = {h: s for h, s in read_thesaurus(Path(path)).items() if h in verbs}
    pairs = [(m[0], words[h]) for h, s in thesaurus.items()
             if words.get(h) and (m := synonym_mean(h, s, words)) and abs(m[0]) >= THRESHOLD]
    slope = sum(p * t for p, t in pairs) / sum(p * p for p, _ in pairs)
    agree = sum((p > 0) == (t > 0) for p, t in pairs) / len(pairs)
    sys.stdout.write(f"# leave-one-out on {len(pairs)} rated verbs: sign agreement {agree:.2f}, "
                     f"slope {slope:.2f}\n")
    for head in sorted(thesaurus):
        if rated(head, words) is not None or head in STOP_WORDS:
            continue
        found = synonym_mean(head, thesaurus[head], words)
        if found and abs(found[0]) >= THRESHOLD:
            value, voters = found
            valence = max(-4.0, min(4.0, value * slope))  # VADER's scale
            sys.stdout.write(f"{head}\t{valence:.2f}\t{', '.join(voters)}\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/mythes/thes_fr.dat")
