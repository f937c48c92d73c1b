"""The per-article work of a build, one batch of articles at a time, in whichever process runs it.

Everything here depends only on the batch's own articles, so any engine (this process, a pool of
processes, Dask workers) can run it and the build only has to gather the outputs:

    run_stages: annotate (spaCy; skipped for articles whose annotation is cached) → events →
                sentence and article sentiment
    run_quotes: quotes, once entity resolution (corpus-wide) has given each mention its entity

spaCy models are loaded once per process and kept (`model`), so a worker pays for a model once.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline import schema
from pipeline.annotate import SPAN_COLUMNS, annotate_articles, load_model
from pipeline.events import extract_events
from pipeline.quotes import extract_quotes
from pipeline.sentiment import score_articles, score_sentences

PRELOAD_ENV = "REVUE_PRELOAD_MODELS"  # set by pipeline.engine.prestart for the fork server only
ANNOTATION_TABLES = ("sentences", "spans")
STAGE_TABLES = ("sentences", "events", "articles")

_MODELS: dict[str, Any] = {}
_LOCKS: dict[str, threading.Lock] = {}
_LOADING = threading.Lock()


def model(name: str) -> tuple[Any, threading.Lock]:
    """Return this process's copy of model `name` (loaded on first use) and the lock guarding it.

    Dask may run two tasks of one worker process in threads; spaCy pipelines are not thread-safe,
    so each use holds the model's lock.
    """
    with _LOADING:
        if name not in _MODELS:
            _MODELS[name] = load_model(name)
            _LOCKS[name] = threading.Lock()
        return _MODELS[name], _LOCKS[name]


def loaded_models(_: object = None) -> list[str]:
    """The models this process has loaded (a task, to ask a worker)."""
    return sorted(_MODELS)


@dataclass
class StageTask:
    """One batch: its articles, and the cached annotations of those that need no spaCy."""

    articles: pd.DataFrame  # article_id, text, language, published, key_a, key_b
    models: dict[str, str]  # language → model package, for the articles to annotate
    cached_sentences: pd.DataFrame = field(default_factory=lambda: schema.empty("sentences"))
    cached_spans: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SPAN_COLUMNS))


@dataclass
class StageOutput:
    annotation: dict[str, pd.DataFrame]  # newly annotated articles: sentences, spans (with key)
    annotated: list[str]  # key_a of the newly annotated articles
    stages: dict[str, pd.DataFrame]  # every article of the batch: sentences, events, articles
    keys: list[str]  # key_b of every article of the batch


def run_stages(task: StageTask, *, loaded: Mapping[str, Any] | None = None) -> StageOutput:
    """Annotate what is not cached, then run the per-article stages on the whole batch.

    `loaded` (language → spaCy pipeline) is used as is, by the in-process engine; otherwise each
    model is loaded once per process.
    """
    articles = task.articles
    done = set(task.cached_sentences["article_id"])
    todo = articles[~articles["article_id"].isin(done)]
    fresh_sentences = [schema.empty("sentences")]
    fresh_spans = [pd.DataFrame(columns=SPAN_COLUMNS)]
    for language in sorted(set(todo["language"])):
        subset = todo[todo["language"] == language]
        if loaded is not None and language in loaded:
            annotated = annotate_articles(subset, models={language: loaded[language]})
        else:
            nlp, lock = model(task.models[language])
            with lock:
                annotated = annotate_articles(subset, models={language: nlp})
        fresh_sentences.append(annotated.sentences)
        fresh_spans.append(annotated.spans)
    key_a = dict(zip(articles["article_id"], articles["key_a"], strict=True))
    new_sentences = _concat("sentences", fresh_sentences)
    new_spans = pd.concat([f for f in fresh_spans if len(f)] or fresh_spans[:1],
                          ignore_index=True)
    sentences = _concat("sentences", [task.cached_sentences, new_sentences])
    events = extract_events(articles, sentences)
    scored = score_sentences(sentences, articles)
    article_scores = score_articles(_for_scoring(articles), scored)[["article_id", "sentiment"]]
    key_b = dict(zip(articles["article_id"], articles["key_b"], strict=True))
    return StageOutput(
        annotation={"sentences": _keyed(new_sentences, key_a),
                    "spans": _keyed(new_spans[SPAN_COLUMNS], key_a)},
        annotated=[key_a[aid] for aid in todo["article_id"]],
        stages={"sentences": _keyed(scored, key_b), "events": _keyed(events, key_b),
                "articles": _keyed(article_scores, key_b)},
        keys=[key_b[aid] for aid in articles["article_id"]],
    )


@dataclass
class QuoteTask:
    articles: pd.DataFrame  # article_id, text, language, key_q
    sentences: pd.DataFrame  # article_id, sentence_id, start, end
    mentions: pd.DataFrame  # resolved mentions of these articles


def run_quotes(task: QuoteTask) -> tuple[list[str], pd.DataFrame]:
    """Return the batch's keys and its quotes (each row keyed by its article's `key_q`)."""
    quotes = extract_quotes(task.articles, task.sentences, task.mentions)
    key_q = dict(zip(task.articles["article_id"], task.articles["key_q"], strict=True))
    return list(key_q.values()), _keyed(quotes, key_q)


def _for_scoring(articles: pd.DataFrame) -> pd.DataFrame:
    """`score_articles` conforms to the articles schema: give it the columns it checks."""
    out = articles[["article_id", "text", "language", "published"]].copy()
    out["origin"] = ""
    out["date_source"] = "unknown"
    out["n_words"] = 0
    return out


def _keyed(frame: pd.DataFrame, keys: Mapping[str, str]) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "key", out["article_id"].map(keys).astype("str"))
    return out


def _concat(table: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return schema.empty(table)
    return schema.conform(table, pd.concat(frames, ignore_index=True))


def _preload() -> None:
    """In a pool's fork server (its preload imports this module): load the build's models before
    any worker is forked, so every worker starts with them (loaded once, while the client ingests,
    instead of once per worker on the critical path; their pages are shared too).
    `pipeline.engine.prestart` sets the variable for the fork server alone."""
    names = list(filter(None, os.environ.get(PRELOAD_ENV, "").split(",")))
    for name in names:
        try:
            model(name)
        except Exception:
            _MODELS.pop(name, None)
    if names:  # the fork server: what it holds now lives as long as every worker forked from it
        gc.freeze()  # so workers' collections skip it and do not copy its pages by touching them


_preload()
