"""Evaluation of the enrichment stages against small hand-made gold sets in `eval/`.

`eval/gold_sentiment.csv`: seed sentences labelled -1/0/+1 by hand (article file, sentence, label).
`eval/gold_dates.csv`: every date expression of the seeds with the date a reader would give it
(article file, expression, date, granularity). Both are tiny: the numbers say whether a change
helps or hurts, not how the method does on the open web (docs/sentiment.md).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.evaluate_quotes import TITLE, share, titles_and_texts
from pipeline.evaluate_quotes import article_ids as _article_ids
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
    in_title: list[tuple[str, str]] = field(default_factory=list)  # gold in the title: not scored

    @property
    def precision(self) -> float:
        return share(self.correct, self.n_predicted)

    @property
    def recall(self) -> float:
        return share(self.correct, self.n_gold)

    @property
    def found_recall(self) -> float:
        """The share of gold expressions the stage found, whatever date it gave."""
        return share(self.found, self.n_gold)

    @property
    def date_accuracy(self) -> float:
        """Of the expressions found, the share resolved to the right date."""
        return share(self.correct, self.found)


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


def _occurrences(text: str, expression: str) -> list[int]:
    """Where `expression` occurs in `text` as whole words."""
    pattern = re.compile(rf"(?<!\w){re.escape(expression)}(?!\w)")
    return [m.start() for m in pattern.finditer(text)]


def _gold_file_column(gold: pd.DataFrame) -> str:
    return "file" if "file" in gold.columns else "article"


def evaluate_dates(gold: pd.DataFrame, events: pd.DataFrame, articles: pd.DataFrame, *,
                   article_ids: Mapping[str, str] | None = None) -> DateScores:
    """Compare the events of the gold articles with the gold expressions, by position.

    A predicted event *finds* a gold expression when it is written the same way, else when it
    overlaps an occurrence of it in the text ("le 30 juin dernier" in the gold is found by an
    event "30 juin dernier"); each event finds one expression at most. It is *correct* when it
    also has the gold date and granularity. Gold expressions of the title line (the gold covers
    it; the pipeline keeps it in `articles.title`, out of the text it analyses) are counted
    apart when no event finds them.
    `article_ids` maps gold file names to article ids; by default they are matched on the end
    of `articles.origin`. Gold rows may name their article in an `article` (seeds) or `file`
    (dev set) column.
    """
    column = _gold_file_column(gold)
    files = sorted({str(f) for f in gold[column]})
    ids = dict(article_ids) if article_ids is not None else _article_ids(files, articles)
    docs = titles_and_texts(articles)
    by_article: dict[str, list[tuple[int, int, str, str, str]]] = {}
    for aid, start, end, expr, day, gran in zip(
            events["article_id"], events["start"], events["end"], events["expression"],
            events["date"], events["granularity"], strict=True):
        by_article.setdefault(str(aid), []).append(
            (int(start), int(end), str(expr), pd.Timestamp(day).strftime("%Y-%m-%d"), str(gran)))
    n_gold = n_pred = found = correct = 0
    in_title: list[tuple[str, str]] = []
    misses: list[tuple[str, str]] = []
    wrong: list[tuple[str, str, str, str]] = []
    extra: list[tuple[str, str, str]] = []
    for name in files:
        rows = gold[gold[column].astype("str") == name]
        aid = ids.get(name)
        expressions = [str(e) for e in rows["expression"]]
        if aid is None or aid not in docs:
            n_gold += len(rows)
            misses += [(name, e) for e in expressions]
            continue
        title, text = docs[aid]
        mine = sorted(by_article.get(aid, []))
        n_pred += len(mine)
        used: set[int] = set()
        hits: list[int | None] = []
        for expr in expressions:  # first the events written exactly as the gold expression
            hit = next((k for k, p in enumerate(mine)
                        if k not in used and _norm(p[2]) == _norm(expr)), None)
            hits.append(hit)
            if hit is not None:
                used.add(hit)
        titled: Counter[str] = Counter()
        # then any event over an occurrence of it, longest expressions first ("2012" must not
        # take the event of "la fin de l'année 2012")
        for i in sorted(range(len(expressions)), key=lambda i: -len(expressions[i])):
            expr = expressions[i]
            if hits[i] is not None:
                continue
            for at in _occurrences(text, expr):
                hit = next((k for k, p in enumerate(mine)
                            if k not in used and p[0] < at + len(expr) and at < p[1]), None)
                if hit is not None:
                    hits[i] = hit
                    used.add(hit)
                    break
            if hits[i] is None and titled[expr] < len(_occurrences(title, expr)):
                titled[expr] += 1
                hits[i] = TITLE
        for hit, expr, day, gran in zip(hits, expressions, rows["date"], rows["granularity"],
                                        strict=True):
            if hit == TITLE:
                in_title.append((name, expr))
                continue
            n_gold += 1
            if hit is None:
                misses.append((name, expr))
                continue
            found += 1
            want = f"{str(day)[:10]} {gran}"
            got = f"{mine[hit][3]} {mine[hit][4]}"
            if want == got:
                correct += 1
            else:
                wrong.append((name, expr, want, got))
        extra += [(name, p[2], f"{p[3]} {p[4]}") for k, p in enumerate(mine) if k not in used]
    return DateScores(n_gold=n_gold, n_predicted=n_pred, found=found, correct=correct,
                      misses=misses, wrong=wrong, extra=extra, in_title=in_title)


def format_dates(scores: DateScores) -> str:
    """A short plain-text report: precision, recall, date accuracy, and every disagreement."""
    lines = [f"Dates: {scores.n_gold} gold expressions, {scores.n_predicted} found by the stage"
             + (f"; {len(scores.in_title)} more in titles, not scored" if scores.in_title
                else ""),
             f"  expression recall  {scores.found_recall:.0%} (gold expressions found)",
             f"  right date         {scores.date_accuracy:.0%} (of the expressions found)",
             f"  precision          {scores.precision:.0%} (events with the gold date)",
             f"  recall             {scores.recall:.0%} (gold expressions found with their date)"]
    lines += [f"  missed: {a} '{e}'" for a, e in scores.misses]
    lines += [f"  wrong date: {a} '{e}' gold {g}, got {p}" for a, e, g, p in scores.wrong]
    lines += [f"  not in gold: {a} '{e}' → {p}" for a, e, p in scores.extra]
    return "\n".join(lines)


def report(tables: Mapping[str, pd.DataFrame]) -> str:
    """Both evaluations on a built seed dataset, for `make eval`."""
    dates = evaluate_dates(load_gold_dates(), tables["events"], tables["articles"])
    return format_sentiment(evaluate_sentiment()) + "\n\n" + format_dates(dates)
