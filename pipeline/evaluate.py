"""`make eval`: score the seeds (in-sample) and the dev set (out-of-sample) side by side.

The seeds' gold (`eval/`) was written while reading the seeds, the rules too: their figures say
whether a change breaks what worked. The dev set (100 French Wikinews articles, gold for 20 of
them, read by path and never copied into the project) was not looked at when the rules were
written: its figures are the ones that say how Revue does on news it has never seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import evaluate_entities as ee
from pipeline.dataset import open_dataset
from pipeline.evaluate_enrich import (
    GOLD_DIR,
    evaluate_dates,
    evaluate_sentiment,
    format_dates,
    format_sentiment,
    load_gold_dates,
    load_gold_sentiment,
)
from pipeline.evaluate_quotes import evaluate_quotes, format_quotes, read_gold_quotes

SEEDS = "seeds (in-sample)"
DEVSET = "devset (out-of-sample)"


@dataclass(frozen=True)
class GoldFiles:
    """Where one set's gold files are; None where the set has no gold of that kind."""

    entities: Path | None
    quotes: Path | None
    dates: Path | None
    sentiment: Path | None

    @classmethod
    def seeds(cls) -> GoldFiles:
        return cls(entities=GOLD_DIR / "gold_entities.csv", quotes=GOLD_DIR / "gold_quotes.csv",
                   dates=GOLD_DIR / "gold_dates.csv", sentiment=GOLD_DIR / "gold_sentiment.csv")

    @classmethod
    def devset(cls, root: Path) -> GoldFiles:
        gold = root / "gold"
        return cls(entities=gold / "entities.csv", quotes=gold / "quotes.csv",
                   dates=gold / "dates.csv", sentiment=gold / "sentiment.csv")


@dataclass(frozen=True)
class SetResult:
    figures: dict[str, str]  # row label → value, for the side-by-side table
    details: str  # every evaluator's own report


# ---- entities ---------------------------------------------------------------------------------

def _entities(tables: Mapping[str, pd.DataFrame], path: Path) -> tuple[dict[str, str], str]:
    evaluation = ee.evaluate_entities(tables, ee.read_gold(path))
    s = evaluation.summary
    figures = {"entities: gold found": f"{s['found']}/{s['gold_entities']} "
                                       f"({s['found'] / max(1, int(s['gold_entities'])):.0%})",
               "entities: found of recognised": f"{s['found_of_recognised']:.0%}",
               "entities: splits": f"{s['splits']} ({s['split_rate']:.0%})",
               "entities: wrong merges": str(s["wrong_merges"])}
    return figures, ee.format_evaluation(evaluation)


# ---- one set ----------------------------------------------------------------------------------

def evaluate_set(tables: Mapping[str, pd.DataFrame], gold: GoldFiles) -> SetResult:
    """Every evaluation that has gold for this set; the others are shown as "—"."""
    figures: dict[str, str] = {}
    details: list[str] = []
    if gold.entities and gold.entities.exists():
        found, text = _entities(tables, gold.entities)
        figures.update(found)
        details.append(text)
    if gold.quotes and gold.quotes.exists():
        q = evaluate_quotes(read_gold_quotes(gold.quotes), tables["quotes"], tables["articles"],
                            tables["entities"])
        figures.update({"quotes: detection recall": f"{q.recall:.0%}",
                        "quotes: detection precision": f"{q.precision:.0%}",
                        "quotes: speaker precision": f"{q.speaker_precision:.0%}",
                        "quotes: speaker recall": f"{q.speaker_recall:.0%}"})
        details.append(format_quotes(q))
    if gold.dates and gold.dates.exists():
        d = evaluate_dates(load_gold_dates(gold.dates), tables["events"], tables["articles"])
        figures.update({"dates: expression recall": f"{d.found_recall:.0%}",
                        "dates: right date": f"{d.date_accuracy:.0%}"})
        details.append(format_dates(d))
    if gold.sentiment and gold.sentiment.exists():
        s = evaluate_sentiment(load_gold_sentiment(gold.sentiment), language="fr")
        figures["sentiment: 3-class accuracy"] = f"{s.accuracy:.0%}"
        details.append(format_sentiment(s))
    return SetResult(figures=figures, details="\n\n".join(details))


_ROWS = ["entities: gold found", "entities: found of recognised", "entities: splits",
         "entities: wrong merges",
         "quotes: detection recall", "quotes: detection precision", "quotes: speaker precision",
         "quotes: speaker recall", "dates: expression recall", "dates: right date",
         "sentiment: 3-class accuracy"]


def side_by_side(results: Mapping[str, SetResult | str]) -> str:
    """The headline figures of each set in one table; a set that could not be scored shows why
    under the table."""
    names = list(results)
    width = max(len(r) for r in _ROWS) + 2
    cols = [max(len(n), 12) + 2 for n in names]
    lines = ["".ljust(width) + "".join(n.ljust(c) for n, c in zip(names, cols, strict=True))]
    for row in _ROWS:
        cells = [(r.figures.get(row, "—") if isinstance(r, SetResult) else "—")
                 for r in results.values()]
        lines.append(row.ljust(width) + "".join(v.ljust(c) for v, c in zip(cells, cols,
                                                                            strict=True)))
    lines += [f"{n}: {r}" for n, r in results.items() if isinstance(r, str)]
    return "\n".join(line.rstrip() for line in lines)


def evaluate(path: str | Path, *, devset: str | Path | None = None,
             devset_data: str | Path | None = None) -> str:
    """Return the side-by-side table and each set's details, as text.

    `path` is a dataset built from the seeds; `devset` the dev set's folder (its `gold/`) and
    `devset_data` a dataset built from its texts. A missing dev set is a line saying so.
    """
    results: dict[str, SetResult | str] = {
        SEEDS: evaluate_set(open_dataset(path).tables, GoldFiles.seeds())}
    if devset is None:
        results[DEVSET] = "not evaluated (no dev set given)"
    elif not (Path(devset) / "gold").is_dir():
        results[DEVSET] = f"not evaluated: no dev set at {devset} (set DEVSET=path/to/devset)"
    elif devset_data is None or not (Path(devset_data) / "manifest.json").exists():
        results[DEVSET] = (f"not evaluated: no dataset built from {devset} at {devset_data}")
    else:
        results[DEVSET] = evaluate_set(open_dataset(devset_data).tables,
                                       GoldFiles.devset(Path(devset)))
    parts = [side_by_side(results)]
    for name, result in results.items():
        if isinstance(result, SetResult):
            parts.append(f"== {name} ==\n\n{result.details}")
    return "\n\n".join(parts)
