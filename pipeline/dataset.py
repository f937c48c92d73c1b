"""Open a dataset for analysis: the stored tables with the analyst's curation applied.

Curation is applied here, at load time, so correcting an entity never re-runs NLP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import schema, store
from pipeline.curation import curate, read_curation
from pipeline.resolve import normalise_name
from pipeline.sentiment import score_entities


def open_dataset(path: str | Path) -> store.Dataset:
    """Return the dataset at `path` with `curation.csv` applied; problems are listed, not raised."""
    dataset = store.read_dataset(Path(path))
    curation_path = dataset.path / store.CURATION_FILE
    if not curation_path.exists():
        return dataset
    curation, problems = read_curation(curation_path)
    tables = dataset.tables
    result = curate(tables["mentions"], tables["entities"], tables["aliases"], curation,
                    articles=tables["articles"])
    # Merged or split entities need their sentiment recomputed from their (new) sentences.
    entities = score_entities(result.entities, result.mentions, tables["sentences"])
    # Quotes name their speaker by id: follow merges, drop excluded speakers' ids.
    quotes = tables["quotes"].copy()
    quotes["speaker_id"] = quotes["speaker_id"].map(
        lambda eid: result.moved.get(eid) if eid in result.moved else eid)
    quotes["speaker_id"] = quotes["speaker_id"].astype("str").where(quotes["speaker_id"].notna())
    dataset.tables = {**tables, "mentions": result.mentions, "entities": entities,
                      "aliases": result.aliases, "quotes": quotes}
    dataset.problems = problems + result.problems
    return dataset


# Manifest entries that grow with the corpus (per-article hashes, annotation keys): a build
# needs them, the dashboard does not keep them.
BIG_MANIFEST_KEYS = ("text_hashes", "annotation_keys", "articles")


def read_small_manifest(path: str | Path) -> dict[str, Any]:
    """Return the manifest of the dataset at `path` without its per-article entries.

    Raises store.DatasetError when there is no manifest or it is of another schema version.
    """
    path = Path(path)
    manifest = store.read_manifest(path)
    if manifest is None:
        raise store.DatasetError(
            f"{path} is not a Revue dataset (no manifest.json): "
            f"build one with `python -m pipeline build CORPUS --out {path}`"
        )
    if manifest.get("schema_version") != schema.SCHEMA_VERSION:
        raise store.DatasetError(
            f"{path} was built by another version of Revue (schema "
            f"{manifest.get('schema_version')}, expected {schema.SCHEMA_VERSION}): rebuild it"
        )
    return {k: v for k, v in manifest.items() if k not in BIG_MANIFEST_KEYS}


def touched(entities: pd.DataFrame, curation: pd.DataFrame) -> set[str]:
    """Return the ids of every entity a curation line may act on (a superset: a name matching
    several entities counts them all), so only their mentions need to be curated."""
    ids = set(entities["entity_id"].astype("str"))
    by_name: dict[str, set[str]] = {}
    for eid, name in zip(entities["entity_id"], entities["name"], strict=True):
        by_name.setdefault(str(name), set()).add(str(eid))
        by_name.setdefault(normalise_name(str(name)), set()).add(str(eid))
    out: set[str] = set()
    for column in ("entity", "target"):
        for ref in curation[column].dropna().astype("str").str.strip():
            if not ref:
                continue
            if ref in ids:
                out.add(ref)
            out |= by_name.get(ref, set()) | by_name.get(normalise_name(ref), set())
    return out


@dataclass(frozen=True)
class CurationTables:
    """Curation as small tables a query engine joins to the stored ones (see `curate_subset`)."""

    mapping: pd.DataFrame  # entity_id, surface → new_id (null: the mentions are excluded)
    moved: pd.DataFrame  # old_id → new_id (null: excluded), for quotes.speaker_id
    entities: pd.DataFrame  # the whole curated entities table (schema "entities")
    aliases: pd.DataFrame  # the whole curated aliases table (schema "aliases")
    problems: list[str] = field(default_factory=list)


def curate_subset(
    mentions: pd.DataFrame,
    entities: pd.DataFrame,
    aliases: pd.DataFrame,
    curation: pd.DataFrame,
    *,
    sentences: pd.DataFrame,
    articles: pd.DataFrame,
) -> CurationTables:
    """Apply `curation` given only the mentions of the entities it touches (`touched`).

    Every curation action moves mentions by (entity, surface), so the outcome for the whole
    mentions table is a small mapping from (entity_id, surface) to the curated entity, which
    an engine joins instead of rewriting the table. Untouched entities and aliases are kept as
    stored; touched ones are recounted and rescored from their (complete) mentions.
    `sentences` need only cover those mentions, `articles` only their `published` dates.
    """
    result = curate(mentions, entities, aliases, curation, articles=articles)
    before = set(mentions["entity_id"].astype("str"))
    changed = score_entities(result.entities, result.mentions, sentences)
    kept = entities[~entities["entity_id"].isin(before)]
    out_entities = schema.conform("entities", pd.concat(
        [f for f in (kept, changed) if len(f)] or [schema.empty("entities")],
        ignore_index=True).sort_values("entity_id", ignore_index=True))
    kept_aliases = aliases[~aliases["entity_id"].isin(before)]
    out_aliases = schema.conform("aliases", pd.concat(
        [f for f in (kept_aliases, result.aliases) if len(f)] or [schema.empty("aliases")],
        ignore_index=True).sort_values(["entity_id", "surface"], ignore_index=True))
    keys = ["article_id", "start", "end"]
    after = result.mentions[[*keys, "entity_id"]].rename(columns={"entity_id": "new_id"})
    joined = (mentions[[*keys, "entity_id", "surface"]].merge(after, on=keys, how="left")
              .drop_duplicates(["entity_id", "surface"]))
    mapping = pd.DataFrame({
        "entity_id": joined["entity_id"].astype("str"),
        "surface": joined["surface"].astype("str"),
        "new_id": joined["new_id"].astype("str").where(joined["new_id"].notna()),
    })
    # `curate` sees only the touched entities' mentions: the others look gone to it, not moved.
    gone = {old: new for old, new in result.moved.items() if old in before}
    moved = pd.DataFrame({"old_id": pd.Series(list(gone), dtype="str"),
                          "new_id": pd.Series(list(gone.values()), dtype="str")})
    return CurationTables(mapping=mapping.reset_index(drop=True), moved=moved,
                          entities=out_entities, aliases=out_aliases,
                          problems=list(result.problems))
