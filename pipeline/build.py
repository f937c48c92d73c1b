"""Build: corpus in → dataset directory out. The one entry point the CLI and the dashboard share.

    ingest → route by language → annotate (reusing unchanged articles) → events → dates
           → resolve → sentiment → quotes → store
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import annotate, schema, store
from pipeline.annotate import (
    DEFAULT_MODELS,
    SPAN_COLUMNS,
    annotate_articles,
    load_model,
    model_id,
    model_version,
)
from pipeline.events import extract_events, infer_publication_dates
from pipeline.ingest import Limits, ingest
from pipeline.quotes import extract_quotes
from pipeline.resolve import resolve_entities
from pipeline.sentiment import score_articles, score_entities, score_sentences

LANGUAGE_NAMES = {"fr": "French", "en": "English"}
Progress = Callable[[int, int], None]  # (articles done, articles to annotate)


class BuildError(RuntimeError):
    """The build cannot produce a dataset at all; the message is for the user."""


@dataclass(frozen=True)
class BuildOptions:
    models: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    language: str | None = None  # force every article to this language
    workers: int = 1
    metadata: Path | None = None
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class BuildResult:
    path: Path
    tables: dict[str, pd.DataFrame]
    manifest: dict[str, Any]
    seconds: float
    reused: int  # articles whose annotations came from the previous build


def build(
    inputs: Sequence[str | Path],
    out: str | Path,
    *,
    options: BuildOptions = BuildOptions(),
    loaded_models: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the dataset for `inputs` into `out`, atomically; return its tables and manifest.

    `loaded_models` (language → spaCy pipeline) lets a long-lived caller, such as the dashboard,
    load each model once.
    """
    began = time.perf_counter()
    out = Path(out)
    ingested = ingest(inputs, metadata=options.metadata, language=options.language,
                      limits=options.limits)
    if not ingested.articles.shape[0] and not ingested.report.shape[0]:
        raise BuildError(f"no input found in {', '.join(map(str, inputs))}")
    articles, report = ingested.articles, [ingested.report]

    model_ids, unsupported = _available_models(articles, options, loaded_models)
    if not unsupported.empty:
        report.append(unsupported)
        articles = articles[~articles["article_id"].isin(unsupported["article_id"])]
    keys = {
        aid: _annotation_key(aid, model_ids[lang])
        for aid, lang in zip(articles["article_id"], articles["language"], strict=True)
    }

    sentences, spans, reused = _reuse_previous(out, keys)
    todo = articles[~articles["article_id"].isin(sentences["article_id"])]
    done = [0]

    def tick(_: str) -> None:
        done[0] += 1
        if progress:
            progress(done[0], len(todo))

    if progress:
        progress(0, len(todo))
    models = {  # loaded only when some article needs them: an unchanged rebuild loads none
        lang: (loaded_models or {}).get(lang) or load_model(options.models[lang])
        for lang in sorted(set(todo["language"]))
    }
    fresh = annotate_articles(todo, models=models, workers=options.workers, on_article=tick)
    sentences = _concat("sentences", [sentences, fresh.sentences]).sort_values(
        ["article_id", "sentence_id"], ignore_index=True)
    spans = pd.concat([spans, fresh.spans], ignore_index=True) if len(spans) else fresh.spans

    events = extract_events(articles, sentences)
    articles = infer_publication_dates(articles, events)
    resolved = resolve_entities(spans, articles)
    sentences = score_sentences(sentences, articles)
    articles = score_articles(articles, sentences)
    entities = score_entities(resolved.entities, resolved.mentions, sentences)
    quotes = extract_quotes(articles, sentences, resolved.mentions)

    tables = {
        "articles": schema.conform("articles", articles),
        "sentences": schema.conform("sentences", sentences),
        "mentions": schema.conform("mentions", resolved.mentions),
        "entities": schema.conform("entities", entities),
        "aliases": schema.conform("aliases", resolved.aliases),
        "events": schema.conform("events", events),
        "quotes": schema.conform("quotes", quotes),
        "report": schema.conform(
            "report", pd.concat(report, ignore_index=True)[["origin", "reason"]]),
    }
    seconds = time.perf_counter() - began
    manifest = _manifest(inputs, options, model_ids, keys, tables, seconds)
    store.write_dataset(out, tables, manifest, spans=spans[SPAN_COLUMNS])
    return BuildResult(path=out, tables=tables, manifest=manifest, seconds=seconds, reused=reused)


def _available_models(
    articles: pd.DataFrame, options: BuildOptions, loaded: Mapping[str, Any] | None
) -> tuple[dict[str, str], pd.DataFrame]:
    """Return the model id (`name==version`) per language, and the articles no model can read."""
    ids: dict[str, str] = {}
    skipped: list[tuple[str, str, str]] = []
    for lang in sorted(set(articles["language"])):
        name = options.models.get(lang)
        reason = None
        if loaded and lang in loaded:
            ids[lang] = model_id(loaded[lang])
        elif name is None:
            reason = (f"language '{lang}' is not supported (Revue annotates "
                      f"{' and '.join(LANGUAGE_NAMES.get(k, k) for k in options.models)})")
        elif (version := model_version(name)) is None:
            reason = (f"no {LANGUAGE_NAMES.get(lang, lang)} model installed: install "
                      f"{name} to annotate this article (see README, 'Languages')")
        else:
            ids[lang] = f"{name}=={version}"
        if reason:
            rows = articles[articles["language"] == lang]
            skipped += [(aid, origin, reason)
                        for aid, origin in zip(rows["article_id"], rows["origin"], strict=True)]
    frame = pd.DataFrame(skipped, columns=["article_id", "origin", "reason"], dtype="str")
    return ids, frame


def _annotation_key(article_id: str, model_id: str) -> str:
    """Same text, same model, same annotate code → same key: the cached spans are still right."""
    raw = json.dumps([article_id, model_id, _ANNOTATE_CODE], sort_keys=True)
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


# A change to the annotate stage (span cleaning, paragraph splitting...) invalidates the cache.
_ANNOTATE_CODE = hashlib.sha1(Path(annotate.__file__).read_bytes()).hexdigest()[:16]


def _reuse_previous(out: Path, keys: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Return the previous build's sentences and spans for articles whose key has not changed."""
    nothing = schema.empty("sentences"), pd.DataFrame(columns=SPAN_COLUMNS), 0
    manifest = store.read_manifest(out)
    if not manifest or manifest.get("schema_version") != schema.SCHEMA_VERSION:
        return nothing
    previous = manifest.get("annotation_keys", {})
    same = {aid for aid, key in keys.items() if previous.get(aid) == key}
    if not same:
        return nothing
    try:
        dataset = store.read_dataset(out, with_spans=True)
    except store.DatasetError:
        return nothing
    if dataset.spans is None:
        return nothing
    sentences = dataset["sentences"]
    sentences = sentences[sentences["article_id"].isin(same)]
    spans = dataset.spans[dataset.spans["article_id"].isin(same)][SPAN_COLUMNS]
    return schema.conform("sentences", sentences), spans, len(same)


def _concat(table: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return schema.empty(table)
    return schema.conform(table, pd.concat(frames, ignore_index=True))


def _manifest(
    inputs: Sequence[str | Path],
    options: BuildOptions,
    model_ids: dict[str, str],
    keys: dict[str, str],
    tables: dict[str, pd.DataFrame],
    seconds: float,
) -> dict[str, Any]:
    articles = tables["articles"]
    return {
        "schema_version": schema.SCHEMA_VERSION,
        "revue_version": model_version("revue") or "dev",
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": [str(i) for i in inputs],
        "options": {
            "models": dict(options.models),
            "language": options.language,
            "workers": options.workers,
            "metadata": str(options.metadata) if options.metadata else None,
            "limits": asdict(options.limits),
        },
        "models": model_ids,
        "counts": {name: len(frame) for name, frame in tables.items()},
        "words": int(articles["n_words"].sum()),
        "seconds": round(seconds, 3),
        "text_hashes": dict(zip(articles["origin"], articles["article_id"], strict=True)),
        "annotation_keys": keys,
    }
