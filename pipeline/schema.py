"""The tables: the one contract between the pipeline and the dashboard.

Every stage's output is checked against these schemas (tests/test_contract.py), and the README's
table section is generated from them (`python -m pipeline schema`), so code and docs cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # a pandas dtype name: "str", "int64", "float64", "datetime64[us]"
    meaning: str
    nullable: bool = False


def _cols(*rows: tuple[str, str, str] | tuple[str, str, str, bool]) -> tuple[Column, ...]:
    return tuple(Column(*row) for row in rows)


TABLES: dict[str, tuple[Column, ...]] = {
    "articles": _cols(
        ("article_id", "str", "stable hash of the normalised text"),
        ("origin", "str", "where it came from: a path, `path#row=N` or `archive.zip!member`"),
        ("title", "str", "metadata title, else the first non-empty line", True),
        ("source", "str", "publication or site", True),
        ("url", "str", "address of the original", True),
        ("published", "datetime64[us]", "publication date (day), null when unknown", True),
        ("date_source", "str", "`metadata`, `inferred` (from the text) or `unknown`"),
        ("language", "str", "ISO 639-1 code of the text (`fr`, `en`, ...)"),
        ("text", "str", "clean body text; every offset in other tables points into it"),
        ("n_words", "int64", "whitespace-separated words in `text`"),
        ("boilerplate", "str", "page-furniture lines removed from the text, one per line", True),
        ("duplicate_of", "str",
         "`article_id` of the original when this is a near-duplicate copy, else null", True),
        ("sentiment", "float64", "mean sentence sentiment in [-1, 1]", True),
    ),
    "sentences": _cols(
        ("article_id", "str", "the article"),
        ("sentence_id", "int64", "order of the sentence in its article, from 0"),
        ("start", "int64", "offset of the first character in `articles.text`"),
        ("end", "int64", "offset just past the last character"),
        ("sentiment", "float64", "lexicon score in [-1, 1]", True),
        ("sentiment_terms", "str",
         "the words that moved the score, e.g. `chaos:-0.6; soutien:+0.5`", True),
    ),
    "mentions": _cols(
        ("article_id", "str", "the article"),
        ("sentence_id", "int64", "the sentence holding the mention"),
        ("start", "int64", "offset in `articles.text`"),
        ("end", "int64", "offset just past the mention"),
        ("surface", "str", "the text as written: `articles.text[start:end]`"),
        ("label", "str", "PER, ORG, LOC or MISC"),
        ("entity_id", "str", "the canonical entity (join key to `entities`)"),
    ),
    "entities": _cols(
        ("entity_id", "str", "stable id: label and normalised name, e.g. `per:sam-altman`"),
        ("name", "str", "display name: the most complete, most frequent form"),
        ("label", "str", "PER, ORG, LOC or MISC (majority over its mentions)"),
        ("aliases", "str", "every surface form seen, most frequent first, `; `-separated"),
        ("n_mentions", "int64", "rows in `mentions` with this entity"),
        ("n_articles", "int64", "distinct articles mentioning it"),
        ("sentiment", "float64", "mean sentiment of the sentences mentioning it", True),
        ("first_seen", "datetime64[us]", "earliest publication date among its articles", True),
        ("last_seen", "datetime64[us]", "latest publication date among its articles", True),
    ),
    "aliases": _cols(
        ("entity_id", "str", "the canonical entity"),
        ("surface", "str", "a form seen in the text"),
        ("n_mentions", "int64", "mentions written this way"),
        ("rule", "str", "why it was merged: `same-name`, `surname`, `fuzzy`, `curation`, ..."),
    ),
    "events": _cols(
        ("article_id", "str", "the article"),
        ("sentence_id", "int64", "the sentence holding the expression"),
        ("start", "int64", "offset in `articles.text`"),
        ("end", "int64", "offset just past the expression"),
        ("expression", "str", "the date expression as written"),
        ("date", "datetime64[us]", "resolved date (first day of the week/month/year when coarser)"),
        ("granularity", "str", "`day`, `week` (its Monday), `month` or `year`"),
        ("how", "str", "`absolute`, or `relative` to the article's publication date"),
    ),
    "quotes": _cols(
        ("article_id", "str", "the article"),
        ("sentence_id", "int64", "the sentence where the quote starts"),
        ("start", "int64", "offset of the quoted text in `articles.text`"),
        ("end", "int64", "offset just past the quoted text"),
        ("quote", "str", "the quoted words, without the quote marks"),
        ("speaker", "str", "the speaker as written, null when the text does not say", True),
        ("speaker_id", "str", "the speaker's canonical entity, when resolved", True),
        ("cue", "str", "the verb that attributes it (`a déclaré`, `said`, ...)", True),
    ),
    "report": _cols(
        ("origin", "str", "the input that was skipped (same form as `articles.origin`)"),
        ("reason", "str", "why, in words a person understands"),
    ),
}

# Columns that identify a row; checked for uniqueness by the contract test.
KEYS: dict[str, tuple[str, ...]] = {
    "articles": ("article_id",),
    "sentences": ("article_id", "sentence_id"),
    "mentions": ("article_id", "start", "end"),
    "entities": ("entity_id",),
    "aliases": ("entity_id", "surface"),
    "events": ("article_id", "start", "end"),
    "quotes": ("article_id", "start", "end"),
    "report": (),
}


class SchemaError(ValueError):
    """A table does not match its schema."""


def columns(table: str) -> list[str]:
    """Return the column names of `table`, in order."""
    return [c.name for c in TABLES[table]]


def empty(table: str) -> pd.DataFrame:
    """Return an empty frame with the right columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype) for c in TABLES[table]})


def conform(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with exactly the schema's columns, in order, cast to their dtypes.

    Missing nullable columns are added as nulls, so a stage can leave later stages' columns out.
    """
    out = {}
    for col in TABLES[table]:
        if col.name in frame.columns:
            values = frame[col.name]
        elif col.nullable:
            values = pd.Series(None, index=frame.index, dtype="object")
        else:
            raise SchemaError(f"{table}: missing column {col.name!r}")
        out[col.name] = _cast(values, col.dtype)
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def _cast(values: pd.Series, dtype: str) -> pd.Series:
    if dtype.startswith("datetime64"):
        return pd.to_datetime(values, errors="coerce").astype(dtype)
    if dtype == "str":
        return values.astype("str").where(values.notna())
    return values.astype(dtype)


def check(table: str, frame: pd.DataFrame) -> None:
    """Raise SchemaError listing every way `frame` breaks the schema of `table`."""
    problems = []
    expected = columns(table)
    if list(frame.columns) != expected:
        problems.append(f"columns {list(frame.columns)} != {expected}")
    for col in TABLES[table]:
        if col.name not in frame.columns:
            continue
        series = frame[col.name]
        if str(series.dtype) != col.dtype:
            problems.append(f"{col.name}: dtype {series.dtype} != {col.dtype}")
        if not col.nullable and series.isna().any():
            problems.append(f"{col.name}: {int(series.isna().sum())} nulls in a required column")
    keys = list(KEYS[table])
    if keys and set(keys) <= set(frame.columns) and frame.duplicated(keys).any():
        problems.append(f"duplicate keys {keys}: {int(frame.duplicated(keys).sum())} rows")
    if problems:
        raise SchemaError(f"{table}: " + "; ".join(problems))


# Raw entity spans from the annotate stage: mentions before resolution gives them an entity.
SPAN_COLUMNS = [c.name for c in TABLES["mentions"] if c.name != "entity_id"]


def markdown() -> str:
    """Return the schemas as Markdown tables, for the README."""
    parts = []
    for table, cols in TABLES.items():
        key = ", ".join(f"`{k}`" for k in KEYS[table]) or "none"
        parts.append(f"#### `{table}` (key: {key})\n\n| column | type | meaning |\n|---|---|---|")
        for c in cols:
            null = " (nullable)" if c.nullable else ""
            parts.append(f"| `{c.name}` | {c.dtype}{null} | {c.meaning} |")
        parts.append("")
    return "\n".join(parts)
