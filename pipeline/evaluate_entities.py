"""Score entity resolution against a hand-made gold list (`eval/gold_entities.csv`).

The gold file lists the entities an analyst reading the articles would name, with the variants
written in the texts: `name,label,variants` (variants `|`-separated). Predicted entities are
matched through their aliases, compared by matching key (`normalise_name`), so "d'OpenAI" counts
as the variant "OpenAI". Per gold entity:

- `found`: exactly one predicted entity holds its variants, and that entity holds no other gold
  entity's variants;
- `split`: its variants are spread over two or more predicted entities;
- `merged`: its one entity also holds another gold entity's variants (a wrong merge);
- `missing`: no predicted entity holds any of its variants (the recogniser never saw it).

Recall is found / gold entities. Precision is over the predicted entities that hold at least one
gold variant: the share that are exactly one found gold entity (fragments of a split and wrong
merges count against it; entities outside the gold list are not judged). Variants never seen at
all are listed separately: they are the recogniser's misses, not the resolver's.
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.resolve import normalise_name

GOLD_FILE = Path(__file__).resolve().parent.parent / "eval" / "gold_entities.csv"


def read_gold(path: str | Path = GOLD_FILE) -> pd.DataFrame:
    """Return the gold entities: name, label, variants (the `|`-separated string as written)."""
    gold = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8")
    missing = {"name", "label", "variants"} - set(gold.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return gold[["name", "label", "variants"]]


@dataclass(frozen=True)
class EntityEvaluation:
    summary: dict[str, float | int]  # precision, recall, f1, wrong_merges, splits, ...
    details: pd.DataFrame  # one row per gold entity: status, predicted ids, missed variants

    def as_dict(self) -> dict[str, object]:
        """Return the summary with the details as records, for JSON reports."""
        return {**self.summary, "details": self.details.to_dict("records")}


def _variants(cell: str) -> list[str]:
    return [v.strip() for v in str(cell).split("|") if v.strip()]


def evaluate_entities(
    entities: pd.DataFrame, aliases: pd.DataFrame, gold: pd.DataFrame
) -> EntityEvaluation:
    """Return precision, recall, wrong merges and splits of `entities` against `gold`."""
    holders: dict[str, set[str]] = defaultdict(set)  # matching key → predicted entity ids
    for eid, surface in zip(aliases["entity_id"], aliases["surface"], strict=True):
        holders[normalise_name(str(surface))].add(str(eid))
    labels = dict(zip(entities["entity_id"].astype("str"), entities["label"].astype("str"),
                      strict=True))

    gold_of: dict[str, set[int]] = defaultdict(set)  # predicted entity → gold rows it holds
    held: list[set[str]] = []
    unseen: list[list[str]] = []
    n_variants = 0
    for i, variants in enumerate(gold["variants"].map(_variants)):
        ids: set[str] = set()
        missed = []
        for variant in variants:
            n_variants += 1
            found = holders.get(normalise_name(variant), set())
            ids |= found
            if not found:
                missed.append(variant)
        for eid in ids:
            gold_of[eid].add(i)
        held.append(ids)
        unseen.append(missed)

    rows = []
    for i, (ids, missed) in enumerate(zip(held, unseen, strict=True)):
        if not ids:
            status = "missing"
        elif len(ids) > 1:
            status = "split"
        elif len(gold_of[next(iter(ids))]) > 1:
            status = "merged"
        else:
            status = "found"
        predicted = sorted(ids)
        rows.append({
            "name": gold["name"].iloc[i], "label": gold["label"].iloc[i], "status": status,
            "entities": "; ".join(predicted),
            "predicted_label": labels.get(predicted[0], "") if len(predicted) == 1 else "",
            "merged_with": "; ".join(
                sorted({gold["name"].iloc[j] for e in ids for j in gold_of[e] if j != i})),
            "unseen_variants": "|".join(missed),
        })
    details = pd.DataFrame(rows, columns=["name", "label", "status", "entities",
                                          "predicted_label", "merged_with", "unseen_variants"])
    details = details.astype("str")

    n_gold = len(details)
    found = details[details["status"] == "found"]
    touching = len(gold_of)
    correct = sum(1 for e, g in gold_of.items()
                  if len(g) == 1 and details["status"].iloc[next(iter(g))] == "found")
    precision = correct / touching if touching else 0.0
    recall = len(found) / n_gold if n_gold else 0.0
    summary: dict[str, float | int] = {
        "gold_entities": n_gold,
        "found": len(found),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall
        else 0.0,
        "wrong_merges": sum(1 for g in gold_of.values() if len(g) > 1),
        "splits": int((details["entities"].str.count(";") > 0).sum()),
        "missing": int((details["status"] == "missing").sum()),
        "label_accuracy": round(float((found["label"] == found["predicted_label"]).mean()), 3)
        if len(found) else 0.0,
        "variants_seen": n_variants - sum(len(m) for m in unseen),
        "variants": n_variants,
        "predicted_entities": len(entities),
        "unjudged_entities": len(entities) - touching,  # hold no gold variant: not scored
    }
    return EntityEvaluation(summary=summary, details=details)


def format_evaluation(evaluation: EntityEvaluation) -> str:
    """Return the evaluation as a short plain-text report, problems first."""
    s = evaluation.summary
    lines = [
        f"Entities: {s['found']}/{s['gold_entities']} gold entities found  "
        f"precision {s['precision']:.2f}  recall {s['recall']:.2f}  F1 {s['f1']:.2f}",
        f"  wrong merges {s['wrong_merges']}   splits {s['splits']}   missing {s['missing']}   "
        f"label accuracy {s['label_accuracy']:.2f}   "
        f"variants seen {s['variants_seen']}/{s['variants']}",
    ]
    details = evaluation.details
    for status, what in (("merged", "merged with"), ("split", "split over"),
                         ("missing", "never recognised")):
        for row in details[details["status"] == status].itertuples(index=False):
            extra = {"merged": row.merged_with, "split": row.entities, "missing": ""}[status]
            lines.append(f"  {status:<8} {row.name} ({row.label}) {what} {extra}".rstrip())
    wrong_label = details[(details["status"] == "found")
                          & (details["label"] != details["predicted_label"])]
    if len(wrong_label):
        labels = ", ".join(f"{r.name} {r.predicted_label} (gold {r.label})"
                           for r in wrong_label.itertuples(index=False))
        lines += textwrap.wrap(f"labels: {labels}", width=100, initial_indent="  ",
                               subsequent_indent="    ")
    for row in details[(details["status"] != "missing")
                       & (details["unseen_variants"] != "")].itertuples(index=False):
        lines.append(f"  unseen   {row.name}: {row.unseen_variants.replace('|', ', ')}")
    return "\n".join(lines)
