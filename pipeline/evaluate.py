"""`make eval`: score a dataset built from the seeds against the project's own gold files."""

from __future__ import annotations

from pathlib import Path

from pipeline.dataset import open_dataset
from pipeline.evaluate_enrich import report as enrich_report
from pipeline.evaluate_entities import evaluate_entities, format_evaluation, read_gold


def evaluate(path: str | Path) -> str:
    """Return the entity, sentiment and date evaluations of the dataset at `path`, as text."""
    dataset = open_dataset(path)
    entities = evaluate_entities(dataset.tables, read_gold())
    return format_evaluation(entities) + "\n\n" + enrich_report(dataset.tables)
