"""Open a dataset for analysis: the stored tables with the analyst's curation applied.

Curation is applied here, at load time, so correcting an entity never re-runs NLP.
"""

from __future__ import annotations

from pathlib import Path

from pipeline import store
from pipeline.curation import curate, read_curation
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
    dataset.moved = dict(result.moved)
    return dataset
