"""Search: the query language of the search box, parsed once and compiled to regular expressions
for DuckDB (which sentences match, hit counts) and for Python (where the hits are, for the
keyword-in-context list and the highlighting). Pure: no Streamlit, no database.

The language, as in Voyant or Datashare:
- words match whole words, case and accents ignored: `societe` finds "Société";
- `"a phrase"` matches those words in that order, whatever punctuation or spaces lie between;
- `manif*` matches any word starting with "manif";
- `A OR B` matches either; terms side by side must all be in the sentence (`A B` = A and B).

Both engines see the same pattern over the same folded text (lower case, no accents), and
`\\b`/`\\w`/`\\W` mean the ASCII classes in both (RE2 in DuckDB; `re.ASCII` here).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    """One alternative: a word, a phrase (several words) or a prefix (the last word's start)."""

    words: tuple[str, ...]
    prefix: bool = False

    def pattern_text(self) -> str:
        """Return the term as typed in the search box (a phrase quoted, a prefix starred)."""
        text = " ".join(self.words)
        return (f'"{text}"' if len(self.words) > 1 else text) + ("*" if self.prefix else "")

    def pattern(self) -> str:
        """Return the regular expression of this term over folded text."""
        parts = [re.escape(w) for w in self.words]
        body = r"\W+".join(parts)
        return rf"\b{body}\w*" if self.prefix else rf"\b{body}\b"


@dataclass(frozen=True)
class Query:
    """Clauses that must all match; each clause is a list of alternatives."""

    clauses: tuple[tuple[Term, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.clauses)

    def clause_patterns(self) -> list[str]:
        """One pattern per clause (its alternatives joined by |): a sentence must match all."""
        return ["(?:" + "|".join(t.pattern() for t in clause) + ")" for clause in self.clauses]

    def any_pattern(self) -> str:
        """One pattern matching any term: the hits to count and highlight."""
        terms = [t for clause in self.clauses for t in clause]
        return "|".join(t.pattern() for t in terms)

    def describe(self) -> str:
        """Return the query as understood, in words (shown under the search box)."""
        return " and ".join(" or ".join(t.pattern_text() for t in clause)
                            for clause in self.clauses)


def fold(text: str) -> str:
    """Return `text` lower-cased without accents (the form both engines search)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return the folded text and, for each of its characters, the index of the character of
    `text` it comes from (folding may change the length: "ﬁ" → "fi"), plus a final entry."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        folded = fold(char)
        out.append(folded)
        origin.extend([i] * len(folded))
    origin.append(len(text))
    return "".join(out), origin


def _term(raw: str, *, phrase: bool) -> Term | None:
    prefix = not phrase and raw.endswith("*")
    words = tuple(_WORD.findall(fold(raw)))
    if not words:
        return None
    return Term(words, prefix=prefix)


@lru_cache(maxsize=512)
def parse(text: str) -> Query:
    """Parse the search box: words, "phrases", prefix*, OR. Never raises: what cannot be read
    (a lone quote, a bare OR, punctuation) is ignored."""
    clauses: list[list[Term]] = []
    join_next = False
    for match in _TOKEN.finditer(text or ""):
        quoted, bare = match.group(1), match.group(2)
        if bare is not None and bare == "OR":
            join_next = bool(clauses)
            continue
        term = _term(quoted if quoted is not None else bare, phrase=quoted is not None)
        if term is None:
            continue
        if join_next and clauses:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = False
    unique = [tuple(dict.fromkeys(clause)) for clause in clauses]
    return Query(tuple(dict.fromkeys(unique)))


def sql_quote(text: str) -> str:
    return "'" + text.replace("\x00", "").replace("'", "''") + "'"


def sql_condition(query: Query, folded_expr: str) -> str:
    """Return a SQL condition true when the folded text `folded_expr` matches `query`."""
    if not query:
        return "TRUE"
    return "(" + " AND ".join(f"regexp_matches({folded_expr}, {sql_quote(p)})"
                              for p in query.clause_patterns()) + ")"


def sql_hits(query: Query, folded_expr: str) -> str:
    """Return a SQL expression counting the hits of any term in `folded_expr`."""
    if not query:
        return "0"
    return f"len(regexp_extract_all({folded_expr}, {sql_quote(query.any_pattern())}))"


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


def matches(query: Query, text: str) -> bool:
    """True when `text` matches every clause of `query` (the same rule as `sql_condition`)."""
    folded = fold(text)
    return bool(query) and all(_compiled(p).search(folded) for p in query.clause_patterns())


def hits(query: Query, text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets in `text` of every hit of any term, in order."""
    if not query:
        return []
    folded, origin = fold_with_offsets(text)
    out = []
    for found in _compiled(query.any_pattern()).finditer(folded):
        if found.end() > found.start():
            out.append((origin[found.start()], origin[found.end() - 1] + 1))
    return out


def kwic(text: str, spans: list[tuple[int, int]], *, width: int = 60
         ) -> list[tuple[str, str, str]]:
    """Return (left context, hit, right context) for each span of `text`, `width` characters
    on each side, on one line."""
    out = []
    for start, end in spans:
        left = " ".join(text[max(0, start - width):start].split())
        right = " ".join(text[end:end + width].split())
        out.append((left[-width:], " ".join(text[start:end].split()), right[:width]))
    return out
