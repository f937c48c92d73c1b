"""Score entity resolution against a hand-made gold list.

Two gold formats are read (`read_gold`):

- the seeds' `eval/gold_entities.csv`, `name,label,variants`: entities of the whole corpus,
  matched through the `aliases` table (every surface form an entity holds);
- the devset's `gold/entities.csv`, `file,entity,label,variants`: the central entities of some
  articles, matched through the `mentions` of that article only. Rows of different files with the
  same `entity` are one real-world entity: resolution across the corpus is judged too.

Variants are `|`-separated and compared by matching key (`normalise_name`, plus a leading article
"la"/"le"/"les"/"l'" dropped here, so that "la France" counts as the variant "France" even when the
resolver keeps the article). Per gold entity:

- `found`: exactly one predicted entity holds its variants, and that entity holds no other gold
  entity's variants;
- `split`: its variants are spread over two or more predicted entities;
- `merged`: its one entity also holds another gold entity's variants (a wrong merge);
- `missing`: no predicted entity holds any of its variants (the recogniser never saw it).

Recall is found / gold entities; `found_of_recognised` is found / (gold entities not missing):
resolution judged on what the recogniser gave it. Precision is over the predicted entities that
hold at least one gold variant: the share that are exactly one found gold entity (fragments of a
split and wrong merges count against it; entities outside the gold list are not judged). Variants
never seen at all are listed separately: they are the recogniser's misses, not the resolver's.
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from pipeline.resolve import normalise_name

GOLD_FILE = Path(__file__).resolve().parent.parent / "eval" / "gold_entities.csv"
GOLD_COLUMNS = ["file", "name", "label", "variants"]
_LEADING_ARTICLE = re.compile(r"^(?:(?:la|le|les|the)\s+|l')(?=\w)", re.IGNORECASE)


def read_gold(path: str | Path = GOLD_FILE) -> pd.DataFrame:
    """Return the gold entities: file ("" for corpus-wide rows), name, label, variants.

    Accepts `name,label,variants` (the seeds) and `file,entity,label,variants` (the devset).
    """
    gold = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8")
    if "entity" in gold.columns and "name" not in gold.columns:
        gold = gold.rename(columns={"entity": "name"})
    missing = {"name", "label", "variants"} - set(gold.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    if "file" not in gold.columns:
        gold = gold.assign(file="")
    return gold[GOLD_COLUMNS].astype("str")


@dataclass(frozen=True)
class EntityEvaluation:
    summary: dict[str, float | int]  # precision, recall, f1, wrong_merges, splits, ...
    details: pd.DataFrame  # one row per gold entity: status, predicted ids, missed variants

    def as_dict(self) -> dict[str, object]:
        """Return the summary with the details as records, for JSON reports."""
        return {**self.summary, "details": self.details.to_dict("records")}


def _variants(cell: str) -> list[str]:
    return [v.strip() for v in str(cell).split("|") if v.strip()]


def gold_key(text: str) -> str:
    """The key a variant and a surface are compared by: the resolver's, minus a leading article."""
    return normalise_name(_LEADING_ARTICLE.sub("", text.strip()))


def _article_of_file(articles: pd.DataFrame) -> dict[str, str]:
    """Gold `file` (a path relative to the corpus root) → article_id, matched on the origin's
    trailing path components."""
    out: dict[str, str] = {}
    for aid, origin in zip(articles["article_id"], articles["origin"], strict=True):
        parts = PurePosixPath(str(origin).split("#")[0].split("!")[-1].replace("\\", "/")).parts
        for i in range(len(parts)):
            out.setdefault("/".join(parts[i:]), str(aid))
    return out


def _holders(
    tables: Mapping[str, pd.DataFrame], gold: pd.DataFrame
) -> tuple[dict[tuple[str, str], set[str]], set[str]]:
    """Return {(gold file or "", key) → predicted entity ids}, and the gold files not found."""
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    files = {f for f in gold["file"] if f}
    if len(files) < len(gold) and (gold["file"] == "").any():  # corpus-wide rows: the aliases
        aliases = tables["aliases"]
        for eid, surface in zip(aliases["entity_id"], aliases["surface"], strict=True):
            holders[("", gold_key(str(surface)))].add(str(eid))
    if not files:
        return holders, set()
    ids = _article_of_file(tables["articles"])
    file_of = {ids[f]: f for f in files if f in ids}
    mentions = tables["mentions"]
    mentions = mentions[mentions["article_id"].isin(file_of)]
    for aid, surface, eid in zip(mentions["article_id"], mentions["surface"],
                                 mentions["entity_id"], strict=True):
        holders[(file_of[str(aid)], gold_key(str(surface)))].add(str(eid))
    return holders, {f for f in files if f not in ids}


def _gold_entities(gold: pd.DataFrame) -> tuple[list[str], dict[str, list[int]]]:
    """Group the gold rows into real-world entities: rows with the same name, or whose name is
    written as a variant of another row (one file names a party "EELV", another spells it out
    and lists "EELV" as a variant). Returns the entities' names and each one's rows."""
    parent = list(range(len(gold)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[str, int] = {}
    for i, name in enumerate(gold["name"]):
        key = gold_key(str(name))
        if key in first_of:
            parent[find(i)] = find(first_of[key])
        else:
            first_of[key] = i
    for i, cell in enumerate(gold["variants"]):
        for variant in _variants(cell):
            j = first_of.get(gold_key(variant))
            if j is not None and str(gold["name"].iloc[j]) not in ("", str(gold["name"].iloc[i])):
                parent[find(i)] = find(j)
    order: list[str] = []
    rows_of: dict[str, list[int]] = defaultdict(list)
    name_of: dict[int, str] = {}
    for i in range(len(gold)):
        root = find(i)
        if root not in name_of:
            name_of[root] = str(gold["name"].iloc[root])
            order.append(name_of[root])
        rows_of[name_of[root]].append(i)
    return order, rows_of


def evaluate_entities(tables: Mapping[str, pd.DataFrame], gold: pd.DataFrame) -> EntityEvaluation:
    """Return precision, recall, wrong merges and splits of the resolved `tables` against `gold`.

    `tables` needs `entities` and `aliases` (corpus-wide gold), plus `articles` and `mentions`
    (gold rows with a `file`).
    """
    if "file" not in gold.columns:
        gold = gold.assign(file="")
    holders, unknown_files = _holders(tables, gold)
    entities = tables["entities"]
    labels = dict(zip(entities["entity_id"].astype("str"), entities["label"].astype("str"),
                      strict=True))

    order, rows_of = _gold_entities(gold)

    gold_of: dict[str, set[int]] = defaultdict(set)  # predicted entity → gold entities it holds
    held: list[set[str]] = []
    unseen: list[list[str]] = []
    n_variants = 0
    for g, name in enumerate(order):
        ids: set[str] = set()
        missed = []
        for i in rows_of[name]:
            file = str(gold["file"].iloc[i])
            for variant in _variants(gold["variants"].iloc[i]):
                n_variants += 1
                found = holders.get((file, gold_key(variant)), set())
                ids |= found
                if not found:
                    missed.append(f"{variant} ({file})" if file else variant)
        for eid in ids:
            gold_of[eid].add(g)
        held.append(ids)
        unseen.append(missed)

    rows = []
    for g, (ids, missed) in enumerate(zip(held, unseen, strict=True)):
        if not ids:
            status = "missing"
        elif len(ids) > 1:
            status = "split"
        elif len(gold_of[next(iter(ids))]) > 1:
            status = "merged"
        else:
            status = "found"
        predicted = sorted(ids)
        first = rows_of[order[g]][0]
        rows.append({
            "name": order[g], "label": gold["label"].iloc[first], "status": status,
            "entities": "; ".join(predicted),
            "predicted_label": labels.get(predicted[0], "") if len(predicted) == 1 else "",
            "merged_with": "; ".join(
                sorted({order[j] for e in ids for j in gold_of[e] if j != g})),
            "unseen_variants": "|".join(missed),
        })
    details = pd.DataFrame(rows, columns=["name", "label", "status", "entities",
                                          "predicted_label", "merged_with", "unseen_variants"])
    details = details.astype("str")

    n_gold = len(details)
    found = details[details["status"] == "found"]
    n_missing = int((details["status"] == "missing").sum())
    recognised = n_gold - n_missing
    touching = len(gold_of)
    correct = sum(1 for g in gold_of.values()
                  if len(g) == 1 and details["status"].iloc[next(iter(g))] == "found")
    precision = correct / touching if touching else 0.0
    recall = len(found) / n_gold if n_gold else 0.0
    splits = int((details["status"] == "split").sum())
    summary: dict[str, float | int] = {
        "gold_entities": n_gold,
        "found": len(found),
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3) if precision + recall
        else 0.0,
        "found_of_recognised": round(len(found) / recognised, 3) if recognised else 0.0,
        "wrong_merges": sum(1 for g in gold_of.values() if len(g) > 1),
        "splits": splits,
        "split_rate": round(splits / recognised, 3) if recognised else 0.0,
        "missing": n_missing,
        "label_accuracy": round(float((found["label"] == found["predicted_label"]).mean()), 3)
        if len(found) else 0.0,
        "variants_seen": n_variants - sum(len(m) for m in unseen),
        "variants": n_variants,
        "predicted_entities": len(entities),
        "unjudged_entities": len(entities) - touching,  # hold no gold variant: not scored
        "unknown_files": len(unknown_files),  # gold files matching no article's origin
    }
    return EntityEvaluation(summary=summary, details=details)


def format_evaluation(evaluation: EntityEvaluation) -> str:
    """Return the evaluation as a short plain-text report, problems first."""
    s = evaluation.summary
    lines = [
        f"Entities: {s['found']}/{s['gold_entities']} gold entities found  "
        f"precision {s['precision']:.2f}  recall {s['recall']:.2f}  F1 {s['f1']:.2f}",
        f"  found of recognised {s['found_of_recognised']:.2f}   wrong merges {s['wrong_merges']}"
        f"   splits {s['splits']} ({s['split_rate']:.0%})   missing {s['missing']}   "
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
