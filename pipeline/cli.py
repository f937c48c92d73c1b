"""Command line: a thin layer over `pipeline.build` and friends. The only place that prints."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import schema, store
from pipeline.annotate import DEFAULT_MODELS

if TYPE_CHECKING:
    import pandas as pd


def _say(text: str, *, err: bool = False) -> None:
    """The CLI's one way to talk: results to stdout, problems to stderr."""
    (sys.stderr if err else sys.stdout).write(f"{text}\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline", description="Revue: build and inspect press-review datasets."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="turn a corpus into a dataset directory")
    b.add_argument("inputs", nargs="+", type=Path,
                   help="files, folders (recursive) or .zip archives of articles")
    b.add_argument("--out", type=Path, required=True, help="dataset directory to write")
    b.add_argument("--metadata", type=Path, default=None,
                   help="CSV with columns file,title,source,published,url")
    b.add_argument("--language", default=None,
                   help="force the language of every article (e.g. fr, en) instead of detecting it")
    b.add_argument("--model", action="append", default=[], metavar="NAME",
                   help="spaCy model to use for its language, e.g. fr_core_news_sm (repeatable)")
    b.add_argument("--workers", type=int, default=1,
                   help="worker processes for spaCy and the per-article stages (default 1)")
    b.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="where the workers run: this machine, or a Dask cluster (default local)")
    b.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --engine dask: the scheduler of an existing cluster "
                        "(default: a local cluster of --workers processes)")
    b.add_argument("--cache", type=Path, default=None, metavar="DIR",
                   help="per-article cache (default: .NAME.cache beside the --out directory)")
    b.add_argument("--max-file-mb", type=float, default=20.0,
                   help="skip (and report) files larger than this (default 20)")

    s = sub.add_parser("schema", help="print the table schemas as Markdown")
    s.set_defaults(inputs=None)

    e = sub.add_parser("entities", help="list the entities of a dataset")
    e.add_argument("dataset", type=Path)
    e.add_argument("--suggest", action="store_true",
                   help="list candidate merges the automatic rules did not dare to make")
    e.add_argument("--limit", type=int, default=50, help="rows to show (default 50)")

    v = sub.add_parser("eval", help="score the seeds (and the dev set) against their gold files")
    v.add_argument("dataset", type=Path, help="a dataset built from seeds/")
    v.add_argument("--devset", type=Path, default=None,
                   help="the dev set folder (with gold/), scored out-of-sample beside the seeds")
    v.add_argument("--devset-data", type=Path, default=None,
                   help="a dataset built from the dev set's texts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status. Errors are one line, never a traceback."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        if args.command == "schema":
            _say(schema.markdown())
            return 0
        if args.command == "entities":
            return _entities(args)
        if args.command == "eval":
            return _eval(args)
    except (store.DatasetError, OSError, ValueError, RuntimeError) as error:
        _say(f"error: {error}", err=True)
        return 1
    except KeyboardInterrupt:
        _say("interrupted: the previous dataset (if any) is untouched", err=True)
        return 130
    return 2


def _build(args: argparse.Namespace) -> int:
    from pipeline.build import BuildError, BuildOptions, build
    from pipeline.ingest import Limits

    models = dict(DEFAULT_MODELS)
    for name in args.model:
        models[name.split("_", 1)[0]] = name
    options = BuildOptions(
        models=models, language=args.language, workers=max(1, args.workers),
        metadata=args.metadata,
        limits=Limits(max_file_bytes=int(args.max_file_mb * 1_000_000)),
        engine=args.engine, scheduler=args.scheduler, cache_dir=args.cache,
    )
    if args.scheduler and args.engine != "dask":
        _say("error: --scheduler needs --engine dask", err=True)
        return 1
    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        _say(f"error: no such file or folder: {', '.join(missing)}", err=True)
        return 1
    bar = _progress_bar()
    try:
        result = build(args.inputs, args.out, options=options,
                       progress=bar.update if bar else None)
    except BuildError as error:
        _say(f"error: {error}", err=True)
        return 1
    finally:
        if bar:
            bar.close()
    _say(summary(result.manifest, result.tables["report"], result.seconds, result.reused,
                 result.path))
    return 0


class _Bar:
    """tqdm on a terminal; nothing when piped (CI logs stay readable)."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit="article", desc="annotating", file=sys.stderr)

    def update(self, done: int, total: int) -> None:
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


def _progress_bar() -> _Bar | None:
    return _Bar() if sys.stderr.isatty() else None


def summary(manifest: dict, report: pd.DataFrame, seconds: float, reused: int,
            path: Path) -> str:
    """Return the one-screen summary printed at the end of a build (from the manifest's counts:
    no table is read back but the report)."""
    counts = manifest["counts"]
    words = int(manifest["words"])
    lines = [
        f"Built {path}",
        f"  articles   {counts['articles']:>8,}   ({reused:,} reused from the previous build)",
        f"  sentences  {counts['sentences']:>8,}",
        f"  mentions   {counts['mentions']:>8,}",
        f"  entities   {counts['entities']:>8,}",
        f"  events     {counts['events']:>8,}",
        f"  quotes     {counts['quotes']:>8,}",
        f"  skipped    {counts['report']:>8,}   (see {path / store.REPORT_FILE})",
    ]
    if counts["report"]:
        # group "duplicate of a.txt" and "duplicate of b.txt": the kind of reason, not its details
        kinds = report["reason"].str.replace(r"\s*(?:[:(]| of ).*", "", regex=True)
        lines += [f"     {n:>5} × {kind}" for kind, n in kinds.value_counts().head(10).items()]
        # metadata the build could not use is named in full: it was given on purpose
        unused = report[report["reason"].str.startswith(
            ("columns not used", "metadata row matched no input"))]
        lines += [f"     {origin}: {reason}" for origin, reason in
                  unused[["origin", "reason"]].head(20).itertuples(index=False)]
        if len(unused) > 20:
            lines.append(f"     … and {len(unused) - 20} more in {store.REPORT_FILE}")
    rate = words / seconds if seconds else 0
    lines.append(f"  time       {seconds:>8.1f} s   ({words:,} words, {rate:,.0f} words/s)")
    return "\n".join(lines)


def _entities(args: argparse.Namespace) -> int:
    from pipeline.dataset import open_dataset
    from pipeline.resolve import suggest_merges

    dataset = open_dataset(args.dataset)
    for problem in dataset.problems:
        _say(f"warning: {problem}", err=True)
    if args.suggest:
        frame = suggest_merges(dataset["entities"], dataset["aliases"], limit=args.limit)
    else:
        frame = dataset["entities"].sort_values("n_mentions", ascending=False).head(args.limit)
        frame = frame[["entity_id", "name", "label", "n_mentions", "n_articles", "aliases"]]
    _say(frame.to_string(index=False, max_colwidth=60) if len(frame) else "(none)")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from pipeline.evaluate import evaluate

    _say(evaluate(args.dataset, devset=args.devset, devset_data=args.devset_data))
    return 0
