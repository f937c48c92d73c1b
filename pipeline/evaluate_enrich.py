"""Evaluation of the enrichment stages against small hand-made gold sets in `eval/`.

`eval/gold_sentiment.csv`: seed sentences labelled -1/0/+1 by hand (article file, sentence, label).
`eval/gold_dates.csv`: every date expression of the seeds with the date a reader would give it
(article file, expression, date, granularity). Both are tiny: the numbers say whether a change
helps or hurts, not how the method does on the open web (docs/sentiment.md).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.sentiment import score_text

GOLD_DIR = Path(__file__).resolve().parent.parent / "eval"
NEUTRAL_BAND = 0.05  # |score| below this counts as neutral, as in VADER


@dataclass(frozen=True)
class SentimentScores:
    n: int
    accuracy: float  # three classes: -1, 0, +1
    sign_agreement: float  # on the sentences labelled -1 or +1: same sign predicted
    ms_per_sentence: float
    confusion: dict[tuple[int, int], int]  # (label, predicted) → count
    errors: list[tuple[str, int, float, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DateScores:
    n_gold: int
    n_predicted: int  # in the articles of the gold set
    found: int  # gold expressions the stage found, whatever date it gave
    correct: int  # found with the gold date and granularity
    misses: list[tuple[str, str]] = field(default_factory=list)  # (article, expression)
    wrong: list[tuple[str, str, str, str]] = field(default_factory=list)  # …, gold, predicted
    extra: list[tuple[str, str, str]] = field(default_factory=list)  # predicted, not in gold

    @property
    def precision(self) -> float:
        return self.correct / self.n_predicted if self.n_predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.n_gold if self.n_gold else 0.0

    @property
    def date_accuracy(self) -> float:
        """Of the expressions found, the share resolved to the right date."""
        return self.correct / self.found if self.found else 0.0


def load_gold_sentiment(path: Path | str = GOLD_DIR / "gold_sentiment.csv") -> pd.DataFrame:
    """Return the sentiment gold set: article, sentence, label.

    The seeds' file names the article `article`, the devset's `file`: both are read.
    """
    gold = pd.read_csv(path, dtype="str", keep_default_na=False)
    if "article" not in gold.columns and "file" in gold.columns:
        gold = gold.rename(columns={"file": "article"})
    missing = {"article", "sentence", "label"} - set(gold.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    return gold[["article", "sentence", "label"]].astype(
        {"article": "str", "sentence": "str", "label": "int64"})


def load_gold_dates(path: Path | str = GOLD_DIR / "gold_dates.csv") -> pd.DataFrame:
    """Return the date gold set: article, expression, date, granularity."""
    return pd.read_csv(path, dtype="str")


def _label(score: float) -> int:
    return 0 if abs(score) < NEUTRAL_BAND else (1 if score > 0 else -1)


def evaluate_sentiment(gold: pd.DataFrame | None = None, *, language: str = "fr"
                       ) -> SentimentScores:
    """Score each gold sentence with the pipeline's scorer and compare signs with the labels.

    The gold sentence text is scored directly, so the result does not depend on how a model
    happens to split the seeds into sentences.
    """
    gold = load_gold_sentiment() if gold is None else gold
    began = time.perf_counter()
    results = [score_text(s, language=language) for s in gold["sentence"]]
    elapsed = time.perf_counter() - began
    labels = [int(x) for x in gold["label"]]
    predicted = [_label(r.score) for r in results]
    polar = [(p, t) for p, t in zip(predicted, labels, strict=True) if t]
    errors = [(s, t, r.score, r.terms_text or "")
              for s, t, p, r in zip(gold["sentence"], labels, predicted, results, strict=True)
              if p != t]
    n = len(labels)
    return SentimentScores(
        n=n,
        accuracy=sum(p == t for p, t in zip(predicted, labels, strict=True)) / n if n else 0.0,
        sign_agreement=sum(p == t for p, t in polar) / len(polar) if polar else 0.0,
        ms_per_sentence=1000 * elapsed / n if n else 0.0,
        confusion=dict(Counter(zip(labels, predicted, strict=True))),
        errors=errors,
    )


def format_sentiment(scores: SentimentScores) -> str:
    """A short plain-text report: accuracy, sign agreement, confusion, the misses."""
    lines = [f"Sentiment: {scores.n} gold sentences",
             f"  3-class accuracy  {scores.accuracy:.0%}",
             f"  sign agreement    {scores.sign_agreement:.0%} (sentences labelled -1/+1)",
             f"  speed             {scores.ms_per_sentence:.2f} ms/sentence",
             "  confusion (rows gold -1/0/+1, columns predicted -1/0/+1):"]
    for t in (-1, 0, 1):
        lines.append("    " + " ".join(f"{scores.confusion.get((t, p), 0):3d}" for p in (-1, 0, 1)))
    for sentence, label, score, terms in scores.errors:
        lines.append(f"  miss: gold {label:+d}, scored {score:+.2f} [{terms}] {sentence[:70]}")
    return "\n".join(lines)


def _norm(expression: str) -> str:
    return " ".join(expression.replace("’", "'").lower().split())


def _file_ids(articles: pd.DataFrame) -> dict[str, str]:
    """Seed file name → article_id, from `origin` (a path, `path#row=N` or `zip!member`)."""
    out = {}
    for aid, origin in zip(articles["article_id"], articles.get("origin", articles["article_id"]),
                           strict=True):
        name = Path(str(origin).split("#")[0].split("!")[-1]).name
        out[name] = str(aid)
    return out


def evaluate_dates(gold: pd.DataFrame, events: pd.DataFrame, articles: pd.DataFrame, *,
                   article_ids: Mapping[str, str] | None = None) -> DateScores:
    """Compare the events of the gold articles with the gold expressions, as multisets.

    `article_ids` maps gold file names to article ids; by default it comes from
    `articles.origin`.
    """
    ids = dict(article_ids) if article_ids is not None else _file_ids(articles)
    gold_rows: Counter[tuple[str, str, str, str]] = Counter()
    for row in gold.itertuples(index=False):
        aid = ids.get(str(row.article))
        if aid is not None:
            gold_rows[(aid, _norm(str(row.expression)), str(row.date)[:10],
                       str(row.granularity))] += 1
    in_gold = {k[0] for k in gold_rows}
    pred_rows: Counter[tuple[str, str, str, str]] = Counter()
    for aid, expr, day, gran in zip(events["article_id"], events["expression"], events["date"],
                                    events["granularity"], strict=True):
        if aid in in_gold:
            pred_rows[(str(aid), _norm(str(expr)), pd.Timestamp(day).strftime("%Y-%m-%d"),
                       str(gran))] += 1
    names = {v: k for k, v in ids.items()}
    correct = sum((gold_rows & pred_rows).values())
    by_expr_gold: Counter[tuple[str, str]] = Counter()
    by_expr_pred: Counter[tuple[str, str]] = Counter()
    for (aid, expr, _, _), n in gold_rows.items():
        by_expr_gold[(aid, expr)] += n
    for (aid, expr, _, _), n in pred_rows.items():
        by_expr_pred[(aid, expr)] += n
    found = sum((by_expr_gold & by_expr_pred).values())
    missing = by_expr_gold - by_expr_pred
    wrong_gold = (gold_rows - pred_rows)
    wrong_pred = (pred_rows - gold_rows)
    wrong = []
    for (aid, expr, day, gran) in wrong_gold:
        if (aid, expr) in missing:
            continue
        other = next((f"{d} {g}" for (a, e, d, g) in wrong_pred if (a, e) == (aid, expr)), "?")
        wrong.append((names.get(aid, aid), expr, f"{day} {gran}", other))
    extra = [(names.get(a, a), e, f"{d} {g}") for (a, e, d, g) in wrong_pred
             if (a, e) not in by_expr_gold]
    return DateScores(
        n_gold=sum(gold_rows.values()), n_predicted=sum(pred_rows.values()), found=found,
        correct=correct, misses=[(names.get(a, a), e) for (a, e) in missing], wrong=wrong,
        extra=extra)


def format_dates(scores: DateScores) -> str:
    """A short plain-text report: precision, recall, date accuracy, and every disagreement."""
    lines = [f"Dates: {scores.n_gold} gold expressions, {scores.n_predicted} found by the stage",
             f"  precision       {scores.precision:.0%}",
             f"  recall          {scores.recall:.0%}",
             f"  date accuracy   {scores.date_accuracy:.0%} (right date among expressions found)"]
    lines += [f"  missed: {a} '{e}'" for a, e in scores.misses]
    lines += [f"  wrong date: {a} '{e}' gold {g}, got {p}" for a, e, g, p in scores.wrong]
    lines += [f"  not in gold: {a} '{e}' → {p}" for a, e, p in scores.extra]
    return "\n".join(lines)


def report(tables: Mapping[str, pd.DataFrame]) -> str:
    """Both evaluations on a built seed dataset, for `make eval`."""
    dates = evaluate_dates(load_gold_dates(), tables["events"], tables["articles"])
    return format_sentiment(evaluate_sentiment()) + "\n\n" + format_dates(dates)
