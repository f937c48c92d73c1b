"""Near-duplicates: syndicated copies and page dumps of one article, linked to one original.

A copy is kept in the tables (its origin, source and date are information) but points to its
original in `articles.duplicate_of`, so counts can take each story once. MinHash signatures of
word 3-shingles and an LSH index (datasketch) find the pairs of texts that share most of their
shingles without comparing every pair; the estimated Jaccard similarity of each candidate pair
is then checked. Linked texts form a group whose original is the cleanest copy (fewest lines of
page furniture and menus), then the earliest published, then the longest, then the first read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, MutableMapping

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

SHINGLE_WORDS = 3  # words per shingle (`shingles` zips three shifted word lists)
NUM_PERM = 128
THRESHOLD = 0.5  # estimated Jaccard similarity of the shingle sets; different articles: < 0.1
MIN_SHINGLES = 20  # shorter texts share stock phrases too easily to be compared
_BATCH = 10_000  # shingles hashed at once: bounds memory on a very long text
_WORD = re.compile(r"\w+")
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1)  # its permutations, drawn once, serve every text
_SENTENCE_END = tuple(".!?…:;»”\"')")


def shingles(text: str) -> set[bytes]:
    """Return the set of word 3-grams of `text` (case-folded, punctuation ignored)."""
    words = _WORD.findall(text.casefold())
    triples = zip(words, words[1:], words[2:], strict=False)  # the shorter lists end it
    return {f"{a} {b} {c}".encode() for a, b, c in triples}


def signature(grams: set[bytes]) -> MinHash:
    """Return the MinHash of a shingle set, hashed in batches (linear time, bounded memory).

    The same values as `MinHash(num_perm=NUM_PERM, seed=1).update_batch(grams)`, cheaper: the
    permutations are drawn once, not for every text.
    """
    minhash = MinHash(num_perm=NUM_PERM, seed=1, permutations=_TEMPLATE.permutations,
                      scheme=_TEMPLATE.scheme)
    items = list(grams)
    for start in range(0, len(items), _BATCH):
        minhash.update_batch(items[start : start + _BATCH])
    return minhash


def noise(text: str, boilerplate: object) -> int:
    """Count the lines that are not prose: menu-like short lines and removed furniture."""
    menus = sum(
        1
        for line in text.split("\n")
        if line.strip() and len(line.split()) <= 6 and not line.rstrip().endswith(_SENTENCE_END)
    )
    removed = boilerplate.count("\n") + 1 if isinstance(boilerplate, str) and boilerplate else 0
    return menus + removed


def text_signature(text: str) -> np.ndarray | None:
    """Return the MinHash values of a text's shingles, None when it has too few to compare."""
    grams = shingles(text)
    return signature(grams).hashvalues if len(grams) >= MIN_SHINGLES else None


def signature_key(text: str) -> str:
    """The key a text's signature is remembered under (see `find_near_duplicates`)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


_BANDS = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM).hashranges  # datasketch's banding


def _candidate_pairs(values: np.ndarray) -> Iterator[tuple[int, int]]:
    """Yield the row pairs of `values` (one MinHash per row) whose estimated Jaccard similarity
    reaches THRESHOLD among those sharing a whole band: the pairs datasketch's `MinHashLSH`
    with the same bands finds, from one uint64 matrix (1 KB a text) instead of an index of
    ~8 KB of Python objects a text, so the corpus' index stays small at 100k texts."""
    for start, end in _BANDS:
        band = values[:, start:end]
        order = np.lexsort(band.T[::-1])
        ordered = band[order]
        new = np.flatnonzero(np.any(ordered[1:] != ordered[:-1], axis=1)) + 1
        for group in np.split(order, new):
            for i, a in enumerate(group[:-1]):
                same = np.count_nonzero(values[group[i + 1:]] == values[a], axis=1)
                for b in group[i + 1:][same / NUM_PERM >= THRESHOLD]:
                    yield int(a), int(b)


def find_near_duplicates(
    articles: pd.DataFrame,
    *,
    memo: MutableMapping[str, np.ndarray | None] | None = None,
) -> pd.Series:
    """Return, per article, the `article_id` of its original when it is a near-duplicate copy,
    else null (a `str` Series aligned on `articles`).

    Needs the columns `article_id` and `text`; `published` and `boilerplate` refine the choice
    of the original when present. `memo` (`signature_key` of a text → its `text_signature`)
    holds signatures computed before, and receives the new ones: a corpus that grows by a few
    texts hashes those texts only.
    """
    n = len(articles)
    result = pd.Series([None] * n, index=articles.index, dtype="str")
    if n < 2:
        return result
    texts = [str(t) for t in articles["text"]]
    compared: list[int] = []  # positions of the texts with a signature
    found: list[np.ndarray] = []
    for pos, text in enumerate(texts):
        if memo is None:
            values = text_signature(text)
        else:
            key = signature_key(text)
            if key not in memo:
                memo[key] = text_signature(text)
            values = memo[key]
        if values is not None:
            compared.append(pos)
            found.append(values)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in _candidate_pairs(np.array(found, dtype=np.uint64).reshape(-1, NUM_PERM)):
        parent[root(compared[b])] = root(compared[a])
    groups: dict[int, list[int]] = {}
    for pos in compared:
        groups.setdefault(root(pos), []).append(pos)
    published = articles["published"] if "published" in articles else pd.Series([None] * n)
    boilerplate = articles["boilerplate"] if "boilerplate" in articles else pd.Series([None] * n)
    ids = articles["article_id"].tolist()

    def rank(pos: int) -> tuple[int, bool, pd.Timestamp, int, int]:
        day = published.iloc[pos]
        known = pd.notna(day)
        return (noise(texts[pos], boilerplate.iloc[pos]), not known,
                pd.Timestamp(day) if known else pd.Timestamp.min, -len(texts[pos].split()), pos)

    for members in groups.values():
        if len(members) < 2:
            continue
        original = min(members, key=rank)
        for pos in members:
            if pos != original:
                result.iloc[pos] = ids[original]
    return result


__all__ = ["find_near_duplicates", "noise", "shingles", "signature", "signature_key",
           "text_signature"]
