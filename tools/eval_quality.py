"""Entities and sentiment on the seeds (in-sample) and the devset (out-of-sample), side by side.

    .venv/bin/python tools/eval_quality.py data/seeds data/devset ../shared/devset

A measuring aid for the resolver and the sentiment scorer; `make eval` is the project's report.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.dataset import open_dataset
from pipeline.evaluate_enrich import evaluate_sentiment, format_sentiment, load_gold_sentiment
from pipeline.evaluate_entities import evaluate_entities, format_evaluation, read_gold


def main(seeds: str, devset_data: str, devset: str) -> None:
    """Print both evaluations for both corpora."""
    for title, data, gold_entities, gold_sentiment in (
        ("SEEDS (in-sample)", seeds, None, None),
        ("DEVSET (out-of-sample)", devset_data, Path(devset) / "gold" / "entities.csv",
         Path(devset) / "gold" / "sentiment.csv"),
    ):
        tables = open_dataset(data).tables
        entities = read_gold() if gold_entities is None else read_gold(gold_entities)
        sentiment = (load_gold_sentiment() if gold_sentiment is None
                     else load_gold_sentiment(gold_sentiment))
        sys.stdout.write(f"== {title}\n{format_evaluation(evaluate_entities(tables, entities))}"
                         f"\n\n{format_sentiment(evaluate_sentiment(sentiment))}\n\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
