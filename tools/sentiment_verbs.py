"""Propose French verbs or adjectives for the sentiment fallback lexicons, by synonym expansion
of VADER-FR.

Why: VADER-FR was translated from an English list rich in adjectives and poor in the verbs news
uses to report events ("remporter", "abîmer"), and it still lacks many French adjectives
("désastreux"); no French polarity lexicon installable offline covers them (docs/sentiment.md
compares the candidates). FEEL, the reference French lexicon, was built the same way: translate,
then expand to synonyms. Here a word VADER-FR lacks gets the mean VADER-FR valence of its
synonyms in the LibreOffice French thesaurus (synonyms absent from VADER-FR count 0, so a word
with mostly neutral synonyms stays out), kept when at least two synonyms are rated and the mean
reaches the threshold; the mean is then scaled by the slope measured on the words of the same
part of speech VADER-FR does rate (leave-one-out: each rated word predicted from its synonyms).

Verbs take the synonyms of every sense; adjectives only those of the thesaurus lines filed as
adjectives (a head such as "droit" also has noun senses), and each adjective proposal says when
the lemma table also knows the word as a noun or as a verb form (a past participle): the risky
ones for the review.

Run once by a maintainer (the thesaurus is a Debian package, not a dependency):

    apt-get install mythes-fr
    .venv/bin/python tools/sentiment_verbs.py /usr/share/mythes/thes_fr.dat > /tmp/verbs.tsv
    .venv/bin/python tools/sentiment_verbs.py --pos adj /usr/share/mythes/thes_fr.dat > /tmp/adj.tsv
    .venv/bin/python tools/sentiment_verbs.py --pos adj --loo   # leave-one-out per threshold

then read every candidate and keep in pipeline/data/sentiment_fr_verbs.tsv (or
sentiment_fr_adjectives.tsv) only those whose usual French sense has that polarity
(docs/sentiment.md: how the reviews were done).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from spacy.lang.fr.stop_words import STOP_WORDS

from pipeline import sentiment, wordforms

THRESHOLDS = {"verb": 0.25, "adj": 0.2}  # mean synonym valence (VADER's ±4 scale) to propose
CATEGORY = {"verb": None, "adj": "Adjectif"}  # thesaurus lines whose synonyms vote (None: all)
SCAN = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)  # thresholds the leave-one-out check reports


def read_thesaurus(path: Path, category: str | None = None) -> dict[str, list[str]]:
    """MyThes format: a 'word|n' line, then n lines '(Category)|syn|syn…'; one-word synonyms,
    only from the lines whose category names `category` when one is given."""
    lines = path.read_text(encoding="utf-8").split("\n")[1:]  # the first line names the encoding
    out: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        if not lines[i]:
            i += 1
            continue
        head, n = lines[i].rsplit("|", 1)
        for line in lines[i + 1 : i + 1 + int(n)]:
            cat, *synonyms = line.split("|")
            if category is not None and category not in cat:
                continue
            out.setdefault(head, []).extend(
                s for s in synonyms if " " not in s and "(" not in s and s != head)
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


def leave_one_out(thesaurus: dict[str, list[str]], words: dict[str, float], threshold: float
                  ) -> list[tuple[float, float]]:
    """(synonym mean, VADER-FR valence) for each rated head whose mean reaches `threshold`:
    the head is never its own synonym, so each is predicted without itself."""
    return [(m[0], words[h]) for h, s in thesaurus.items()
            if words.get(h) and (m := synonym_mean(h, s, words)) and abs(m[0]) >= threshold]


def fit(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope through the origin, and the share of pairs of the same sign."""
    slope = sum(p * t for p, t in pairs) / sum(p * p for p, _ in pairs)
    return slope, sum((p > 0) == (t > 0) for p, t in pairs) / len(pairs)


def risks(head: str) -> str:
    """What else the lemma table knows the word as: the forms the review must weigh."""
    found = [pos for pos in ("noun", "verb") if wordforms.is_a(head, pos)]
    return ",".join(found)


def already_scored(head: str, words: dict[str, float], pos: str) -> bool:
    """True when the scorer rates the word without this file: VADER-FR or the overrides (the
    word or its lemma), the verb list, or the suffix table."""
    if rated(head, words) is not None:
        return True
    return pos == "adj" and (head in sentiment.load_verbs("fr")
                             or sentiment._by_suffix(head, "fr") is not None)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("thesaurus", nargs="?", default="/usr/share/mythes/thes_fr.dat")
    ap.add_argument("--pos", choices=sorted(THRESHOLDS), default="verb")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--loo", action="store_true", help="only the leave-one-out figures")
    args = ap.parse_args(argv)
    threshold = THRESHOLDS[args.pos] if args.threshold is None else args.threshold
    words = sentiment.load_lexicon("fr").words
    heads = wordforms._tables()[1].get(args.pos, frozenset())
    thesaurus = {h: s for h, s in read_thesaurus(Path(args.thesaurus), CATEGORY[args.pos]).items()
                 if h in heads}
    if args.loo:
        for t in SCAN:
            pairs = leave_one_out(thesaurus, words, t)
            band = [p for p in pairs if abs(p[0]) < t + 0.05]
            slope, agree = fit(pairs)
            band_agree = fit(band)[1] if band else float("nan")
            sys.stdout.write(f"{t:.2f}\t{len(pairs)} rated\tsign {agree:.3f}\tslope {slope:.2f}"
                             f"\tband [{t:.2f}, {t + 0.05:.2f}): {len(band)}, {band_agree:.3f}\n")
        return
    pairs = leave_one_out(thesaurus, words, threshold)
    slope, agree = fit(pairs)
    kind = "verbs" if args.pos == "verb" else "adjectives"
    sys.stdout.write(f"# leave-one-out on {len(pairs)} rated {kind}: sign agreement {agree:.2f}, "
                     f"slope {slope:.2f}\n")
    for head in sorted(thesaurus):
        if head in STOP_WORDS or already_scored(head, words, args.pos):
            continue
        found = synonym_mean(head, thesaurus[head], words)
        if found and abs(found[0]) >= threshold:
            value, voters = found
            valence = max(-4.0, min(4.0, value * slope))  # VADER's scale
            extra = f"\t{risks(head)}" if args.pos == "adj" else ""
            sys.stdout.write(f"{head}\t{valence:.2f}\t{', '.join(voters)}{extra}\n")


if __name__ == "__main__":
    main()
