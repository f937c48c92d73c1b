"""Benchmark: build time, throughput and peak memory on synthetic corpora made from the seeds.

    make bench                      # 100, 500 (1 and 2 workers) and 2000 articles
    python bench/run.py --runs 50   # a quick one; "500x2" = 500 articles, 2 spaCy workers

Each size runs in a fresh process so peak memory (max RSS) is that build's own. Results are
written to bench/results.md (quoted by the README) and bench/results.json.
"""

from __future__ import annotations

import argparse
import json
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


def make_corpus(folder: Path, n: int, *, seed: int = 0) -> int:
    """Write `n` distinct articles built by reshuffling the seeds' paragraphs; return words."""
    rng = random.Random(seed)
    paragraphs = [
        line for path in sorted(SEEDS.glob("*.txt"))
        for line in path.read_text(encoding="utf-8").splitlines()[1:] if len(line) > 80
    ]
    words = 0
    for i in range(n):
        body = rng.sample(paragraphs, k=min(8, len(paragraphs)))
        body.append(f"{rng.choice(NAMES)} a réagi le {rng.randint(1, 28)} novembre, "
                    f"selon {rng.choice(NAMES)} (article {i}).")
        text = f"Article synthétique {i}\n" + "\n".join(body) + "\n"
        (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")
        words += len(text.split())
    return words


def run_one(n: int, workers: int) -> dict:
    """Build a corpus of `n` articles twice (fresh, then unchanged) in this process."""
    from pipeline.build import BuildOptions, build

    with tempfile.TemporaryDirectory() as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "dataset"
        corpus.mkdir()
        words = make_corpus(corpus, n)
        began = time.perf_counter()
        first = build([corpus], out, options=BuildOptions(workers=workers))
        fresh = time.perf_counter() - began
        began = time.perf_counter()
        build([corpus], out, options=BuildOptions(workers=workers))
        again = time.perf_counter() - began
        size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    # KiB → MiB on Linux; with workers, the largest of this process and its spaCy workers
    peak = max(resource.getrusage(who).ru_maxrss
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    return {
        "articles": n, "workers": workers, "words": words,
        "mentions": len(first.tables["mentions"]), "entities": len(first.tables["entities"]),
        "build_s": round(fresh, 1), "words_per_s": round(words / fresh),
        "rebuild_unchanged_s": round(again, 1), "peak_rss_mib": round(peak),
        "dataset_mb": round(size, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", nargs="+", default=["100", "500", "500x2", "2000"],
                        help="ARTICLES or ARTICLESxWORKERS")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process mode: one run
    args = parser.parse_args()
    if args.one:
        n, _, workers = args.one.partition("x")
        print(json.dumps(run_one(int(n), int(workers or 1))))
        return
    rows = []
    for run in args.runs:
        out = subprocess.run([sys.executable, __file__, "--one", run],
                             check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    machine = f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    (ROOT / "bench" / "results.json").write_text(json.dumps(rows, indent=2))
    header = ("| articles | workers | words | mentions | entities | build (s) | words/s "
              "| rebuild unchanged (s) | peak RSS (MiB) | dataset (MB) |")
    lines = [
        f"Measured by `make bench` on {time.strftime('%Y-%m-%d')} ({machine}, 2 cores).", "",
        header, "|" + "---|" * 10,
    ]
    lines += [
        f"| {r['articles']:,} | {r['workers']} | {r['words']:,} | {r['mentions']:,} "
        f"| {r['entities']:,} | {r['build_s']} | {r['words_per_s']:,} "
        f"| {r['rebuild_unchanged_s']} | {r['peak_rss_mib']:,} | {r['dataset_mb']} |"
        for r in rows
    ]
    (ROOT / "bench" / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
