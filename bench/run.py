"""Benchmark: build cost against raw spaCy, rebuilds, workers, long articles and peak memory.

    make bench                               # the runs below; ~40 min on 2 quiet cores
    python bench/run.py --runs raw:200 build:200:1   # a quick one

Runs (each in a fresh process, so peak memory is that run's own):
    raw:N        spaCy alone: `nlp.pipe` over the paragraphs of N articles, same model and
                 components (senter + ner) as the build, model load included
    build:N:W    a cold build of N articles with W workers, then an unchanged rebuild and a
                 rebuild with 1% new articles, in the same process
    cold:N       a cold build of N articles with 1 worker only (its peak memory: the slope)
    long:MB      one article of MB megabytes on a single line (no line breaks at all)

Corpora are made by reshuffling the seeds' paragraphs. Times are CPU seconds of the process
(user + system; for W > 1 the workers' CPU is not in it: the worker rows compare wall time,
and an estimate from CPU, see `summarise`). The load average is recorded beside each run.
Results go to bench/results.json and bench/results.md, which the README quotes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
NAMES = ["Claire Dubois", "Marc Lefèvre", "Anthropic", "Google", "Nvidia", "Mistral AI",
         "Arthur Mensch", "Yann LeCun", "Meta", "Amazon", "Paris", "Bruxelles"]
DEFAULT_RUNS = ["raw:1000", "build:1000:1", "build:1000:2", "build:5000:1", "cold:10000",
                "long:1", "long:11"]
TIMEOUT_S = 900  # a run still going after this is reported as unfinished


def _paragraphs() -> list[str]:
    return [line for path in sorted(SEEDS.glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines()[1:] if len(line) > 80]


def make_corpus(folder: Path, n: int, *, seed: int = 0, start: int = 0) -> int:
    """Write `n` distinct articles built by reshuffling the seeds' paragraphs; return words."""
    rng = random.Random(seed)
    paragraphs = _paragraphs()
    words = 0
    for i in range(start, start + n):
        body = rng.sample(paragraphs, k=min(8, len(paragraphs)))
        body.append(f"{rng.choice(NAMES)} a réagi le {rng.randint(1, 28)} novembre, "
                    f"selon {rng.choice(NAMES)} (article {i}).")
        text = f"Article synthétique {i}\n" + "\n".join(body) + "\n"
        (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")
        words += len(text.split())
    return words


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_raw(n: int) -> dict:
    """spaCy alone on the same paragraphs the build gives it."""
    from pipeline.annotate import BATCH_SIZE, DEFAULT_MODELS, load_model, model_text, paragraphs

    with tempfile.TemporaryDirectory() as tmp:
        words = make_corpus(Path(tmp), n)
        texts = [p.read_text(encoding="utf-8") for p in sorted(Path(tmp).glob("*.txt"))]
    import pipeline.build  # noqa: F401  the same imports as a build (spaCy among them)

    cpu, wall = _cpu(), time.perf_counter()
    nlp = load_model(DEFAULT_MODELS["fr"])
    pieces = (model_text(par) for text in texts for _, par in paragraphs(text))
    ents = sum(len(doc.ents) for doc in nlp.pipe(pieces, batch_size=BATCH_SIZE))
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    return {"run": f"raw:{n}", "articles": n, "words": words, "entities_found": ents,
            "cpu_s": round(cpu, 1), "wall_s": round(wall, 1), "words_per_cpu_s": round(words / cpu)}


def _load() -> float:
    return round(os.getloadavg()[0], 1)


def run_build(n: int, workers: int, *, rebuilds: bool = True) -> dict:
    """Cold build, unchanged rebuild, then +1% articles, of one corpus in this process."""
    import psutil

    import pipeline.build
    from pipeline.build import BuildOptions, build
    from pipeline.engine import make_engine

    options = BuildOptions(workers=workers)
    workers_cpu: list[float] = []
    ingest_cpu = [0.0]
    ingest_peak: list[float] = []  # the peak RSS when the first ingest ends: ingest's own peak
    real_ingest = pipeline.build._ingest

    def timed_ingest(*args: object, **kwargs: object) -> object:  # the client's serial start
        began = _cpu()
        try:
            return real_ingest(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            ingest_cpu[0] += _cpu() - began
            if not ingest_peak:
                ingest_peak.append(_peak_mib())

    pipeline.build._ingest = timed_ingest  # type: ignore[assignment]
    load = [_load()]
    with tempfile.TemporaryDirectory() as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "dataset"
        corpus.mkdir()
        words = make_corpus(corpus, n)
        cpu, wall = _cpu(), time.perf_counter()
        engine = make_engine("local", workers)  # kept open to read its workers' CPU
        first = build([corpus], out, options=options, engine=engine)
        cold_cpu, cold_wall = _cpu() - cpu, time.perf_counter() - wall
        load.append(_load())
        cold_ingest_cpu = ingest_cpu[0]  # the rebuilds below ingest again
        counts = first.manifest["counts"]
        starter = 0.0  # the fork server: imports spaCy once, then forks the workers
        for child in psutil.Process().children(recursive=True):
            times = child.cpu_times()
            if child.ppid() != psutil.Process().pid:  # a worker, forked by the fork server
                workers_cpu.append(times.user + times.system)
            elif child.children():
                starter += times.user + times.system
        engine.close()
        peak = _peak_mib()
        if not rebuilds:
            return {"run": f"cold:{n}", "articles": n, "workers": workers, "words": words,
                    "mentions": counts["mentions"], "cold_cpu_s": round(cold_cpu, 1),
                    "cold_wall_s": round(cold_wall, 1),
                    "words_per_cpu_s": round(words / cold_cpu), "peak_rss_mib": round(peak),
                    "ingest_peak_rss_mib": round(ingest_peak[0]), "load_avg": load}
        cpu = _cpu()
        build([corpus], out, options=options)
        unchanged_cpu = _cpu() - cpu
        make_corpus(corpus, max(1, n // 100), seed=1, start=n)
        cpu = _cpu()
        plus = build([corpus], out, options=options)
        plus_cpu = _cpu() - cpu
        size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    return {
        "run": f"build:{n}:{workers}", "articles": n, "workers": workers, "words": words,
        "mentions": counts["mentions"], "entities": counts["entities"],
        "cold_cpu_s": round(cold_cpu, 1), "cold_wall_s": round(cold_wall, 1),
        "words_per_cpu_s": round(words / cold_cpu), "words_per_wall_s": round(words / cold_wall),
        "unchanged_cpu_s": round(unchanged_cpu, 2), "plus1pct_cpu_s": round(plus_cpu, 2),
        "plus1pct_reused": plus.reused, "peak_rss_mib": round(peak),
        "ingest_peak_rss_mib": round(ingest_peak[0]), "dataset_mb": round(size, 1),
        "client_cpu_s": round(cold_cpu, 1), "ingest_cpu_s": round(cold_ingest_cpu, 1),
        "fork_server_cpu_s": round(starter, 1),
        "busiest_worker_cpu_s": round(max(workers_cpu, default=0.0), 1),
        "workers_cpu_s": [round(c, 1) for c in workers_cpu], "load_avg": load,
    }


def run_long(megabytes: float) -> dict:
    """One article of `megabytes` MB of text on a single line."""
    from pipeline.build import build

    rng = random.Random(0)
    paragraphs = _paragraphs()
    body: list[str] = []
    size = 0
    while size < megabytes * 1e6:
        body.append(rng.choice(paragraphs))
        size += len(body[-1].encode("utf-8")) + 1
    text = "Un article très long\n" + " ".join(body) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "long.txt").write_text(text, encoding="utf-8")
        cpu, wall = _cpu(), time.perf_counter()
        result = build([Path(tmp) / "long.txt"], Path(tmp) / "dataset")
        cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    words = len(text.split())
    return {"run": f"long:{megabytes:g}", "megabytes": megabytes, "words": words,
            "mentions": result.manifest["counts"]["mentions"],
            "quotes": result.manifest["counts"]["quotes"],
            "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "words_per_cpu_s": round(words / cpu), "peak_rss_mib": round(_peak_mib())}


def run_one(spec: str) -> dict:
    kind, *args = spec.split(":")
    if kind == "raw":
        return run_raw(int(args[0]))
    if kind == "build":
        return run_build(int(args[0]), int(args[1]) if len(args) > 1 else 1)
    if kind == "cold":
        return run_build(int(args[0]), 1, rebuilds=False)
    if kind == "long":
        return run_long(float(args[0]))
    raise SystemExit(f"unknown run {spec!r}")


def summarise(rows: list[dict]) -> list[str]:
    """The table the README quotes: each target next to what was measured."""
    by = {r["run"]: r for r in rows}
    lines = []
    raw = next((r for r in rows if r["run"].startswith("raw:")), None)
    cold = min((r for r in rows if r["run"].startswith("build:") and r.get("workers") == 1
                and "unchanged_cpu_s" in r), key=lambda r: r["articles"], default=None)
    if raw and cold and "cold_cpu_s" in cold:
        lines.append(f"| cold build of {cold['articles']:,} articles, speed vs raw spaCy "
                     f"(CPU) | ≥ 0.9× | {cold['words_per_cpu_s'] / raw['words_per_cpu_s']:.2f}× "
                     f"({cold['words_per_cpu_s']:,} vs {raw['words_per_cpu_s']:,} words/CPU-s) |")
    if cold and "cold_cpu_s" in cold:
        lines.append(f"| unchanged rebuild, share of the cold build (CPU) | ≤ 2% | "
                     f"{cold['unchanged_cpu_s'] / cold['cold_cpu_s']:.1%} "
                     f"({cold['unchanged_cpu_s']} s of {cold['cold_cpu_s']} s) |")
        lines.append(f"| +1% new articles, share of the cold build (CPU) | ≤ 5% | "
                     f"{cold['plus1pct_cpu_s'] / cold['cold_cpu_s']:.1%} "
                     f"({cold['plus1pct_cpu_s']} s) |")
        two = by.get(f"build:{cold['articles']}:2")
        if two and "cold_wall_s" in two:
            lines.append(f"| `--workers 2` vs 1 on 2 cores (wall; load average "
                         f"{_loads(cold)} and {_loads(two)}) | ≥ 1.7× | "
                         f"{cold['cold_wall_s'] / two['cold_wall_s']:.2f}× "
                         f"({cold['cold_wall_s']} s → {two['cold_wall_s']} s) |")
            if "ingest_cpu_s" in two:
                # critical path: the client (all its CPU, as if nothing it does overlapped the
                # workers), the part of the fork server's start-up its ingest does not cover
                # (prestart runs them side by side), then the busiest worker
                wait = max(0.0, two["fork_server_cpu_s"] - two["ingest_cpu_s"])
                critical = two["client_cpu_s"] + wait + two["busiest_worker_cpu_s"]
                lines.append(
                    f"| `--workers 2` vs 1, from CPU: 1-worker CPU / (client CPU + fork server "
                    f"start-up beyond the client's ingest + busiest worker's CPU) | ≥ 1.7× | "
                    f"{cold['cold_cpu_s'] / critical:.2f}× ({cold['cold_cpu_s']} s → "
                    f"{two['client_cpu_s']} + {wait:.1f} + {two['busiest_worker_cpu_s']} s; "
                    f"workers {' and '.join(map(str, two['workers_cpu_s']))} s) |")
        for r in rows:
            if r["run"].startswith("long:"):
                if "words_per_cpu_s" in r:
                    got = (f"{r['words_per_cpu_s'] / cold['words_per_cpu_s']:.2f}× "
                           f"({r['words_per_cpu_s']:,} words/CPU-s, {r['cpu_s']} s)")
                else:
                    got = f"unfinished ({r.get('error', '')})"
                what = f"one {r['run'][5:]} MB article on a single line" + r.get("note", "")
                lines.append(f"| {what}, speed vs normal | ≥ 0.5× | {got} |")
    builds = sorted((r for r in rows if r["run"].startswith(("build:", "cold:"))
                     and r.get("workers") == 1 and "peak_rss_mib" in r),
                    key=lambda r: r["articles"])
    if len(builds) >= 2:
        small, big = builds[0], builds[-1]
        growth = (big["peak_rss_mib"] - small["peak_rss_mib"]) / (
            (big["articles"] - small["articles"]) / 1000)
        at_100k = big["peak_rss_mib"] + growth * (100_000 - big["articles"]) / 1000
        peaks = ", ".join(f"{r['peak_rss_mib']:,} MiB at {r['articles']:,}" for r in builds)
        lines.append(f"| peak memory of a 1-worker build (client process): {peaks} articles "
                     f"(load average {_loads(small)} and {_loads(big)}) "
                     f"| ≤ 4 GB at 100k | slope {growth:+.0f} MiB per 1,000 articles: "
                     f"~{at_100k / 1024:.1f} GiB at 100k (extrapolated from "
                     f"{big['articles']:,}, not measured) |")
        if "ingest_peak_rss_mib" in small and "ingest_peak_rss_mib" in big:
            # ingest is corpus-wide: its own peak grows with the corpus and could overtake the
            # (flatter) peak of the annotation at some size, so it is extrapolated too
            ingest = (big["ingest_peak_rss_mib"] - small["ingest_peak_rss_mib"]) / (
                (big["articles"] - small["articles"]) / 1000)
            ingest_100k = big["ingest_peak_rss_mib"] + ingest * (100_000 - big["articles"]) / 1000
            lines.append(f"| peak memory of ingest alone (the corpus-wide step, same builds): "
                         f"{small['ingest_peak_rss_mib']:,} and {big['ingest_peak_rss_mib']:,} "
                         f"MiB | ≤ 4 GB at 100k | slope {ingest:+.0f} MiB per 1,000 articles: "
                         f"~{ingest_100k / 1024:.1f} GiB at 100k (extrapolated, not measured) |")
    return lines


def _loads(row: dict) -> str:
    return "–".join(str(x) for x in row.get("load_avg", [])) or "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", nargs="+", default=DEFAULT_RUNS)
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S,
                        help="seconds (wall) after which a run is reported unfinished")
    parser.add_argument("--keep", action="store_true",
                        help="keep the other runs of bench/results.json (re-run some only)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process mode: one run
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    rows = []
    if args.keep and (ROOT / "bench" / "results.json").exists():
        previous = json.loads((ROOT / "bench" / "results.json").read_text())
        rows = [r for r in previous if r.get("run") not in args.runs]
    for spec in args.runs:
        try:
            done = subprocess.run([sys.executable, __file__, "--one", spec], check=True,
                                  capture_output=True, text=True, timeout=args.timeout)
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        except subprocess.TimeoutExpired:
            rows.append({"run": spec, "error": f"still running after {args.timeout:g} s"})
        except subprocess.CalledProcessError as error:
            rows.append({"run": spec, "error": (error.stderr or "").strip()[-300:]})
        print(rows[-1], flush=True)
        write_results(rows)  # after every run: a long benchmark stopped midway keeps its rows


def write_results(rows: list[dict]) -> None:
    """Write bench/results.json and bench/results.md (the README quotes the latter)."""
    machine = f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    (ROOT / "bench" / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = [
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')} ({machine}, 2 cores shared "
        "with other jobs: wall times are noisy, CPU times less so).", "",
        "| what | target | measured |", "|---|---|---|", *summarise(rows), "",
        "| run | articles | words | CPU (s) | wall (s) | words/CPU-s | unchanged rebuild "
        "CPU (s) | +1% CPU (s) | peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['run']}{r.get('note', '')} | | | unfinished: {r['error'][:80]} "
                         "| | | | | |")
            continue
        lines.append(
            f"| {r['run']}{r.get('note', '')} | {r.get('articles', 1):,} | {r['words']:,} "
            f"| {r.get('cold_cpu_s', r.get('cpu_s'))} | {r.get('cold_wall_s', r.get('wall_s'))} "
            f"| {r['words_per_cpu_s']:,} | {r.get('unchanged_cpu_s', '')} "
            f"| {r.get('plus1pct_cpu_s', '')} | {r.get('peak_rss_mib', '')} |")
    (ROOT / "bench" / "results.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
