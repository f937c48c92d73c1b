"""Which sentence holds a character offset of an article.

Events and quotes are found in an article's whole text; the dashboard shows each in its
sentence, so both stages link a span's start to the sentence around it, the same way.
"""

from __future__ import annotations

import bisect

import pandas as pd


class SentenceBounds:
    """The sentences of every article, sorted by start, for lookups by character offset."""

    def __init__(self, sentences: pd.DataFrame) -> None:
        self._by_article: dict[str, tuple[list[int], list[int], list[int]]] = {}
        ordered = sentences.sort_values(["article_id", "start"])
        columns = (ordered[c].tolist() for c in ("article_id", "start", "end", "sentence_id"))
        for aid, start, end, sid in zip(*columns, strict=True):
            starts, ends, ids = self._by_article.setdefault(str(aid), ([], [], []))
            starts.append(int(start))
            ends.append(int(end))
            ids.append(int(sid))

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._by_article

    def sentence_at(self, article_id: str, offset: int) -> int | None:
        """The id of the article's sentence holding `offset`, or None (a title line the
        splitter dropped, or an article without sentences)."""
        starts, ends, ids = self._by_article.get(article_id, ([], [], []))
        k = bisect.bisect_right(starts, offset) - 1
        return ids[k] if k >= 0 and offset < ends[k] else None
