"""Build: corpus in → dataset directory out. The one entry point the CLI and the dashboard share.

    ingest → route by language
      → per batch of articles, on the engine's workers (pipeline/work.py):
           annotate → events → sentence and article sentiment          (cached per article)
      → on the client: publication dates, entity resolution (corpus-wide)
      → per batch, on the workers: quotes (they need each mention's entity)  (cached per article)
      → store: the per-article tables go from the cached parts to the dataset (store.Parts)

Every per-article output is cached in Parquet parts (pipeline/cache.py) keyed by what it depends
on, so an unchanged rebuild re-runs only entity resolution. Memory holds a few batches, the
articles and what the corpus-wide steps need (spans for resolution, the mentions, a few columns of
the sentences), never a corpus' worth of spaCy documents nor the whole sentences and quotes
tables: those are sorted and written by DuckDB straight from the parts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from filelock import FileLock

from pipeline import schema, store
from pipeline.annotate import DEFAULT_MODELS, SPAN_COLUMNS, model_id, model_version
from pipeline.cache import (
    PartCache,
    Snapshot,
    code_version,
    digest,
    files_signature,
    text_hash,
)
from pipeline.engine import Engine, PoolEngine, make_engine, prestart
from pipeline.events import infer_publication_dates
from pipeline.ingest import Limits, detect_language, ingest
from pipeline.resolve import Resolved, resolve_entities
from pipeline.sentiment import score_entities
from pipeline.store import Parts, Table
from pipeline.work import QuoteTask, StageTask, run_quotes, run_stages

LANGUAGE_NAMES = {"fr": "French", "en": "English"}
Progress = Callable[[int, int], None]  # (articles done, articles to annotate)
BATCH_CHARS = 200_000  # a batch of articles is about this much text (~30k words)...
BATCH_ARTICLES = 100  # ...or this many articles, whichever comes first
TAIL_BATCH_CHARS = 20_000  # the smallest batch the tail of a many-worker build is cut into
ENGINES = ("local", "dask")


class BuildError(RuntimeError):
    """The build cannot produce a dataset at all; the message is for the user."""


@dataclass(frozen=True)
class BuildOptions:
    models: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    language: str | None = None  # force every article to this language
    workers: int = 1
    metadata: Path | None = None
    limits: Limits = field(default_factory=Limits)
    engine: str = "local"  # "local" (this machine) or "dask" (pipeline/distributed.py)
    scheduler: str | None = None  # Dask scheduler address; None: a LocalCluster of `workers`
    cache_dir: Path | None = None  # per-article cache; None: `.NAME.cache` beside the dataset
    batch_chars: int = BATCH_CHARS


@dataclass(frozen=True)
class BuildResult:
    path: Path
    tables: Mapping[str, pd.DataFrame]  # as written; each read from the dataset on first access
    manifest: dict[str, Any]
    seconds: float
    reused: int  # articles whose annotations came from the cache (an earlier build)


def default_cache_dir(out: Path) -> Path:
    """The cache lives beside the dataset, not in it: the dataset directory is swapped whole."""
    return out.parent / f".{out.name}.cache"


def build(
    inputs: Sequence[str | Path],
    out: str | Path,
    *,
    options: BuildOptions = BuildOptions(),
    loaded_models: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> BuildResult:
    """Build the dataset for `inputs` into `out`, atomically; return its tables and manifest.

    `loaded_models` (language → spaCy pipeline) lets a long-lived caller, such as the dashboard,
    load each model once (used when the batches run in this process). `engine` runs the batches
    somewhere else than `options.engine` says (the caller keeps it open and closes it).
    """
    began = time.perf_counter()
    out = Path(out)
    # Arrow's own allocator (mimalloc) keeps what a corpus-wide step frees for Arrow alone; from
    # malloc, the next steps reuse it: ingest's peak grows 26 instead of 33 MiB per 1,000 articles
    pa.set_memory_pool(pa.system_memory_pool())
    if options.engine not in ENGINES:
        raise BuildError(f"unknown engine {options.engine!r}: use {' or '.join(ENGINES)}")
    root = options.cache_dir or default_cache_dir(out)
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / ".lock")):
        return _build(inputs, out, options, loaded_models, progress, engine, root, began)


def _build(
    inputs: Sequence[str | Path],
    out: Path,
    options: BuildOptions,
    loaded_models: Mapping[str, Any] | None,
    progress: Progress | None,
    engine: Engine | None,
    root: Path,
    began: float,
) -> BuildResult:
    def changed() -> None:  # a changed corpus will need workers: start the fork server early
        if engine is None or isinstance(engine, PoolEngine):  # a given pool forks from it too
            workers = options.workers if engine is None else engine.workers
            prestart("local" if engine else options.engine, workers, _installed(options.models))

    articles, first_report = _ingest(inputs, options, root, on_change=changed)
    if not articles.shape[0] and not first_report.shape[0]:
        raise BuildError(f"no input found in {', '.join(map(str, inputs))}")
    report = [first_report]

    model_ids, unsupported = _available_models(articles, options, loaded_models)
    if not unsupported.empty:
        report.append(unsupported)
        articles = articles[~articles["article_id"].isin(unsupported["article_id"])]
    articles = articles.reset_index(drop=True)

    runner = _Runner(options, loaded_models, engine)
    try:
        tables, reused = _run(articles, report, model_ids, PartCache(root), runner, progress)
    finally:
        runner.close()
    seconds = time.perf_counter() - began
    manifest = _manifest(inputs, options, model_ids, tables["articles"], seconds)
    written = store.write_dataset(out, tables, manifest)
    return BuildResult(path=out, tables=written, manifest=manifest, seconds=seconds,
                       reused=reused)


def _ingest(inputs: Sequence[str | Path], options: BuildOptions, root: Path, *,
            on_change: Callable[[], None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ingest, or read back the last ingest when no input file, option or ingest code changed.

    Ingest is corpus-wide (boilerplate is what repeats across articles), so any change to any
    file re-reads them all; an unchanged corpus costs a `stat` per file.
    """
    files = [Path(i) for i in inputs]
    if options.metadata is not None:
        files.append(Path(options.metadata))
    key = digest("ingest", code_version("ingest"), [str(Path(i)) for i in inputs],
                 files_signature(files), options.language, asdict(options.limits))
    snapshot = Snapshot(root, "ingest")
    saved = snapshot.read(key, ("articles", "report"))
    if saved is not None:
        articles = saved["articles"]
        articles["published"] = articles["published"].astype("datetime64[us]")
        return articles, saved["report"]
    on_change()
    detect = _Languages(root)
    ingested = ingest(inputs, metadata=options.metadata, language=options.language,
                      limits=options.limits, detect=detect, memo_dir=root / "ingest-files")
    detect.save()
    snapshot.write(key, {"articles": ingested.articles, "report": ingested.report})
    return ingested.articles, ingested.report


class _Languages:
    """Language detection, remembered per text between builds (it is half of ingest's time)."""

    def __init__(self, root: Path) -> None:
        self._snapshot = Snapshot(root, "languages")
        self._key = digest("languages", code_version("ingest"))
        saved = self._snapshot.read(self._key, ("languages",))
        frame = saved["languages"] if saved else pd.DataFrame({"text": [], "language": []})
        self._known = dict(zip(frame["text"], frame["language"], strict=True))
        self._used: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        key = text_hash(text)
        if key not in self._known:
            self._known[key] = detect_language(text)
        self._used[key] = self._known[key]
        return self._used[key]

    def save(self) -> None:
        """Keep the languages of this build's texts only, so the table never outgrows the corpus."""
        self._snapshot.write(self._key, {"languages": pd.DataFrame(
            {"text": list(self._used), "language": list(self._used.values())}, dtype="str")})


def _resolve(spans: pd.DataFrame, articles: pd.DataFrame, key_a: list[str], root: Path
             ) -> Resolved:
    """Resolve the entities, or read back the last resolution of the very same corpus."""
    published = [None if pd.isna(p) else str(p) for p in articles["published"]]
    key = digest("resolve", code_version("resolve"), key_a, published)
    snapshot = Snapshot(root, "resolve")
    saved = snapshot.read(key, ("mentions", "entities", "aliases"))
    if saved is not None:
        return Resolved(**{name: schema.conform(name, frame) for name, frame in saved.items()})
    resolved = resolve_entities(spans, articles)
    snapshot.write(key, {"mentions": resolved.mentions, "entities": resolved.entities,
                         "aliases": resolved.aliases})
    return resolved


class _Runner:
    """Starts the engine on first use only: a build that finds everything cached starts none."""

    def __init__(self, options: BuildOptions, loaded: Mapping[str, Any] | None,
                 engine: Engine | None) -> None:
        self._options, self._loaded, self._given = options, loaded, engine
        self._engine: Engine | None = engine

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self._options.engine, self._options.workers,
                                       self._options.scheduler)
        return self._engine

    def stages(self) -> Callable[[StageTask], Any]:
        engine = self.engine()
        return partial(run_stages, loaded=self._loaded) if engine.in_process else run_stages

    def close(self) -> None:
        if self._engine is not None and self._engine is not self._given:
            self._engine.close()


def _run(
    articles: pd.DataFrame,
    report: list[pd.DataFrame],
    model_ids: dict[str, str],
    cache: PartCache,
    runner: _Runner,
    progress: Progress | None,
) -> tuple[dict[str, Any], int]:
    """Run the stages (what the cache lacks); return the tables (the per-article ones as parts
    of the cache, for the store to assemble) and how many articles were reused."""
    code_a, code_b = code_version("annotate"), code_version("events", "sentiment")
    languages = articles["language"].tolist()
    published = [None if pd.isna(p) else str(p) for p in articles["published"]]
    key_a = [digest("annotate", aid, text_hash(text), lang, model_ids[lang], code_a)
             for aid, text, lang in zip(articles["article_id"], articles["text"], languages,
                                        strict=True)]
    key_b = [digest("stages", ka, pub, code_b) for ka, pub in zip(key_a, published, strict=True)]
    articles = articles.assign(key_a=key_a, key_b=key_b)

    index_a, index_b = cache.index("annotate"), cache.index("stages")
    stale = [i for i in range(len(articles))
             if key_a[i] not in index_a or key_b[i] not in index_b]
    to_annotate = sum(key_a[i] not in index_a for i in stale)
    if progress:
        progress(0, to_annotate)
    if stale:
        names = {lang: mid.split("==")[0] for lang, mid in model_ids.items()}
        tasks = _stage_tasks(articles, stale, names, cache, index_a, runner)
        done = 0
        for result in runner.engine().map(runner.stages(), tasks):
            if result.annotated:
                cache.write("annotate", result.annotated, result.annotation)
            cache.write("stages", result.keys, result.stages)
            done += len(result.annotated)
            if progress and result.annotated:
                progress(done, to_annotate)
        index_a, index_b = cache.index("annotate"), cache.index("stages")

    position = pd.Series(np.arange(len(articles)), index=articles["article_id"])
    spans = _ordered(cache.read("annotate", "spans", key_a, index_a), position,
                     ["start", "end"], SPAN_COLUMNS)
    # only what entity sentiment and the quotes need: the table itself goes from the parts
    slim = ["article_id", "sentence_id", "start", "end", "sentiment"]
    sentences = _ordered(cache.read("stages", "sentences", key_b, index_b, columns=slim),
                         position, ["sentence_id"], slim)
    events = _ordered(cache.read("stages", "events", key_b, index_b), position,
                      ["start", "end"], schema.columns("events"))
    scores = cache.read("stages", "articles", key_b, index_b)
    sentiment = (scores.set_index("article_id")["sentiment"] if scores is not None
                 else pd.Series(dtype="float64"))
    events = schema.conform("events", events)

    final = articles.drop(columns=["key_a", "key_b"])
    final["sentiment"] = final["article_id"].map(sentiment).astype("float64")
    final = infer_publication_dates(final, events)
    resolved = _resolve(spans, final, key_a, cache.root)
    entities = score_entities(resolved.entities, resolved.mentions, sentences)
    mentions = schema.conform("mentions", resolved.mentions)
    quotes, key_q = _quotes(articles, sentences, mentions, position, cache, runner)

    del spans, sentences
    tables: dict[str, Table] = {
        "articles": schema.conform("articles", final),
        "sentences": Parts(cache.files("stages", "sentences", key_b, index_b)),
        "mentions": mentions,
        "entities": schema.conform("entities", entities),
        "aliases": schema.conform("aliases", resolved.aliases),
        "events": events,
        "quotes": quotes,
        "report": schema.conform(
            "report", pd.concat(report, ignore_index=True)[["origin", "reason"]]),
    }
    for stage, live in (("annotate", key_a), ("stages", key_b), ("quotes", key_q)):
        cache.prune(stage, live)
    return tables, len(articles) - to_annotate


def _batches(articles: pd.DataFrame, rows: Sequence[int], limit_chars: int, workers: int = 1
             ) -> Iterator[list[int]]:
    """Group `rows` into batches of about `limit_chars` of text (a long article goes alone).

    With several workers the last batches shrink (to a share of what is left, down to
    `TAIL_BATCH_CHARS`), so the workers finish together instead of one running the last big
    batch alone while the others wait.
    """
    lengths = articles["text"].str.len().to_numpy()
    left = int(lengths[list(rows)].sum()) if len(rows) else 0
    batch: list[int] = []
    size = 0
    limit = _batch_limit(limit_chars, left, workers)
    for i in rows:
        if batch and (size + lengths[i] > limit or len(batch) >= BATCH_ARTICLES):
            yield batch
            left -= size
            batch, size = [], 0
            limit = _batch_limit(limit_chars, left, workers)
        batch.append(i)
        size += int(lengths[i])
    if batch:
        yield batch


def _batch_limit(limit_chars: int, left: int, workers: int) -> int:
    if workers <= 1:
        return limit_chars
    return max(min(limit_chars, left // (2 * workers)), min(limit_chars, TAIL_BATCH_CHARS))


def _stage_tasks(
    articles: pd.DataFrame,
    rows: list[int],
    models: dict[str, str],
    cache: PartCache,
    index_a: Mapping[str, Path],
    runner: _Runner,
) -> Iterator[StageTask]:
    """One task per batch; articles already annotated bring their cached annotation along."""
    columns = ["article_id", "text", "language", "published", "key_a", "key_b"]
    for batch in _batches(articles, rows, runner._options.batch_chars, runner.engine().workers):
        frame = articles.iloc[batch][columns].reset_index(drop=True)
        cached = [k for k in frame["key_a"] if k in index_a]
        task = StageTask(articles=frame, models=models)
        if cached:
            sentences = cache.read("annotate", "sentences", cached, index_a)
            spans = cache.read("annotate", "spans", cached, index_a)
            if sentences is not None and spans is not None:
                task.cached_sentences = schema.conform("sentences", sentences)
                task.cached_spans = spans[SPAN_COLUMNS]
        yield task


def _ordered(frame: pd.DataFrame | None, position: pd.Series, by: list[str],
             columns: list[str]) -> pd.DataFrame:
    """Return `frame`'s `columns`, rows in corpus order then `by`: one order whatever the engine."""
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
    order = frame["article_id"].map(position).to_numpy()
    keys = [frame[c].to_numpy() for c in reversed(by)]
    return frame.iloc[np.lexsort([*keys, order])][columns].reset_index(drop=True)


def _quotes(
    articles: pd.DataFrame,
    sentences: pd.DataFrame,
    mentions: pd.DataFrame,
    position: pd.Series,
    cache: PartCache,
    runner: _Runner,
) -> tuple[Parts, list[str]]:
    """Quotes need resolved mentions, so their key includes a hash of the article's mentions."""
    code_q = code_version("quotes")
    hashed = pd.util.hash_pandas_object(mentions, index=False).to_numpy()
    per_article = pd.Series(hashed, index=mentions["article_id"].to_numpy()).groupby(level=0)
    mention_hash = {aid: f"{int(total)}:{int(n)}"
                    for aid, total, n in zip(per_article.sum().index, per_article.sum(),
                                             per_article.count(), strict=True)}
    key_q = [digest("quotes", ka, lang, code_q, mention_hash.get(aid))
             for aid, ka, lang in zip(articles["article_id"], articles["key_a"],
                                      articles["language"], strict=True)]
    index = cache.index("quotes")
    stale = [i for i, key in enumerate(key_q) if key not in index]
    if stale:
        frame = articles[["article_id", "text", "language"]].assign(key_q=key_q)
        tasks = _quote_tasks(frame, stale, sentences, mentions, position, runner)
        for keys, quotes in runner.engine().map(run_quotes, tasks):
            cache.write("quotes", keys, {"quotes": quotes})
        index = cache.index("quotes")
    return Parts(cache.files("quotes", "quotes", key_q, index)), key_q


def _quote_tasks(
    articles: pd.DataFrame,
    rows: list[int],
    sentences: pd.DataFrame,
    mentions: pd.DataFrame,
    position: pd.Series,
    runner: _Runner,
) -> Iterator[QuoteTask]:
    """Slice the corpus-wide (corpus-ordered) tables by position: no per-batch scan."""
    sentence_pos = sentences["article_id"].map(position).to_numpy()
    mention_pos = mentions["article_id"].map(position).to_numpy()
    mention_order = np.argsort(mention_pos, kind="stable")
    mention_pos = mention_pos[mention_order]
    for batch in _batches(articles, rows, runner._options.batch_chars, runner.engine().workers):
        yield QuoteTask(
            articles=articles.iloc[batch].reset_index(drop=True),
            sentences=sentences.iloc[_rows_of(sentence_pos, batch)][
                ["article_id", "sentence_id", "start", "end"]],
            mentions=mentions.iloc[mention_order[_rows_of(mention_pos, batch)]],
        )


def _rows_of(sorted_positions: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Row numbers of a position-sorted column whose position is in `wanted`."""
    lo = np.searchsorted(sorted_positions, wanted, "left")
    hi = np.searchsorted(sorted_positions, wanted, "right")
    ranges = [np.arange(a, b) for a, b in zip(lo, hi, strict=True) if b > a]
    return np.concatenate(ranges) if ranges else np.array([], dtype=np.int64)


def _installed(models: Mapping[str, str]) -> list[str]:
    """The model packages of `models` that are installed (what a fork server can preload)."""
    return [name for name in dict.fromkeys(models.values()) if model_version(name) is not None]


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


def _manifest(
    inputs: Sequence[str | Path],
    options: BuildOptions,
    model_ids: dict[str, str],
    articles: pd.DataFrame,
    seconds: float,
) -> dict[str, Any]:
    """The manifest; the store adds each table's `counts` as it writes them."""
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
            "engine": options.engine,
            "scheduler": options.scheduler,
        },
        "models": model_ids,
        "words": int(articles["n_words"].sum()),
        "seconds": round(seconds, 3),
        "text_hashes": dict(zip(articles["origin"], articles["article_id"], strict=True)),
    }
