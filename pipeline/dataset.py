"""Open a dataset for analysis: the stored tables with the analyst's curation applied.

Curation is applied here, at load time, so correcting an entity never re-runs NLP.
"""

from __future__ import annotations

from pathlib import Path

from pipeline import store
from pipeline.curation import apply_curation, read_curation
from pipeline.sentiment import score_entities


def open_dataset(path: str | Path) -> store.Dataset:
    """Return the dataset at `path` with `curation.csv` applied; problems are listed, not raised."""
    dataset = store.read_dataset(Path(path))
    curation_path = dataset.path / store.CURATION_FILE
    if not curation_path.exists():
        return dataset
    curation, problems = read_curation(curation_path)
    tables = dataset.tables
    mentions, entities, aliases = apply_curation(
        tables["mentions"], tables["entities"], tables["aliases"], curation
    )
    # Merged or split entities need their sentiment recomputed from their (new) sentences.
    entities = score_entities(entities, mentions, tables["sentences"])
    dataset.tables = {**tables, "mentions": mentions, "entities": entities, "aliases": aliases}
    dataset.problems = problems
    return dataset
