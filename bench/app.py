"""Benchmark: the dashboard, server-side, on the seeds and on a 100k-article dataset.

    make bench-app                          # seeds + 100k articles (~3.7M mentions)
    python bench/app.py --copies 50 150     # also 300k articles
    python bench/app.py --quick             # fewer interactions, for a try
    python bench/app.py --only --browser 50 # only the real-server sessions, other rows kept
    python bench/app.py --only --rss 50     # only the 50-interaction RSS curve, likewise
    python bench/app.py --only --engine 150 # only the queries without Streamlit, likewise

Each page runs in a fresh process that opens the dashboard with Streamlit's AppTest (the script
runs in-process, as on a server; no browser), so "cold open" includes opening the dataset. Then,
per page, it changes the filters (dates, types, minimum mentions, a search) and the page's own
controls, one new state at a time, and times each rerun (wall and CPU seconds of the process).
It also records the process RSS over 50 Overview interactions.

Sessions at once are measured on a real server (bench/appserver.py): `streamlit run
dashboard.py` on the dataset, one headless-Chromium session of 50 interactions (the server's
RSS after each), then 10 sessions at once on four pages, each interaction timed as the browser
sees it. (AppTest cannot run sessions at once: its mock Runtime is a process global.)

The dataset is made by bench/appdata.py and cached under data/bench-app/. Results go to
bench/app-results.json and bench/app-results.md (quoted by the README via
tools/update_readme.py); `--only` reruns merge into them. A benchmark, not a test: nothing here
fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
APP = str(ROOT / "dashboard.py")
PAGES = ["overview", "entity", "network", "timeline", "articles", "data"]


def rss_mib() -> tuple[float, float]:
    """Return (current, peak) resident memory of this process, MiB."""
    status = Path("/proc/self/status").read_text()
    values = {line.split(":")[0]: line.split()[1] for line in status.splitlines()
              if line.startswith(("VmRSS", "VmHWM"))}
    return int(values["VmRSS"]) / 1024, int(values["VmHWM"]) / 1024


def _timed(action: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def _check(at: Any) -> None:
    if at.exception:
        raise RuntimeError(f"the app raised: {[e.value for e in at.exception][:1]}")


def states(first: str, last: str, n: int) -> list[dict[str, Any]]:
    """Return `n` distinct sidebar states: date windows of various widths, types, minimum
    mentions and a search, as an analyst would click through them."""
    import pandas as pd

    if not first or not last:
        return [{"from": None, "to": None, **s} for s in
                [{}, {"types": ["PER"]}, {"min": 3}, {"q": "Microsoft"}] * n][:n]
    lo, hi = pd.Timestamp(first), pd.Timestamp(last)
    span = max((hi - lo).days, 1)
    out: list[dict[str, Any]] = []
    for i in range(n):
        width = [0.04, 0.1, 0.25, 0.5, 0.9][i % 5]
        start = lo + pd.Timedelta(days=int(span * (1 - width) * ((i * 7919) % 97) / 96))
        end = min(hi, start + pd.Timedelta(days=max(int(span * width), 1)))
        state: dict[str, Any] = {"from": start.date(), "to": end.date()}
        if i % 4 == 1:
            state["types"] = [["PER"], ["ORG", "MISC"], ["PER", "ORG"]][i % 3]
        if i % 6 == 2:
            state["min"] = 3
        if i % 9 == 5:
            state["q"] = ["Microsoft", "démission", "conseil"][i % 3]
        out.append(state)
    return out


def apply_state(at: Any, state: dict[str, Any]) -> None:
    side = at.sidebar
    if state.get("from") is not None:
        side.date_input(key="from").set_value(state["from"])
        side.date_input(key="to").set_value(state["to"])
    side.multiselect(key="types").set_value(state.get("types", []))
    side.number_input(key="min").set_value(state.get("min", 1))
    side.text_input(key="q").set_value(state.get("q", ""))


PAGE_CONTROLS: dict[str, list[tuple[str, str, Any]]] = {
    # (widget kind, key, value) applied on some interactions, besides the sidebar
    "entity": [("segmented_control", "with", "article"), ("selectbox", "rank", "npmi"),
               ("segmented_control", "sort", "most negative")],
    "network": [("segmented_control", "window", "article"),
                ("selectbox", "weight", "pmi"), ("segmented_control", "colour", "sentiment")],
    "timeline": [("segmented_control", "freq", "week")],
    "overview": [("segmented_control", "cloud", "words"), ("segmented_control", "by", "source")],
    "data": [("segmented_control", "scope", "all")],
    "articles": [],
}


def _control(at: Any, kind: str, key: str, value: Any) -> bool:
    for name in (kind, "button_group"):
        try:
            match = [w for w in at.get(name) if getattr(w, "key", None) == key]
            if match and hasattr(match[0], "set_value"):
                match[0].set_value(value)
                return True
        except Exception:  # a widget AppTest cannot drive: skip that control
            continue
    return False


def run_page(data: str, page: str, n: int) -> dict[str, Any]:
    """Open the app on `page` in this (fresh) process and time `n` interactions."""
    os.environ["REVUE_DATA"] = data
    from streamlit.testing.v1 import AppTest

    from revue_app import queries as q
    from revue_app.engine import Engine

    at = AppTest.from_file(APP, default_timeout=600)
    if page == "entity":
        db = Engine.open(data)
        top = q.view_entities(db, q.Filters(), limit=1)
        at.query_params["entity"] = str(top["entity_id"].iloc[0])
        db.close()
    open_wall, open_cpu = _timed(lambda: at.run(timeout=600))
    _check(at)
    if page != "overview":
        switch_wall, switch_cpu = _timed(
            lambda: (at.switch_page(f"revue_app/pages/{page}.py"), at.run(timeout=600)))
        _check(at)
        open_wall += switch_wall
        open_cpu += switch_cpu
    rss_open = rss_mib()[0]
    first, last = _bounds(at)
    walls, cpus, rss = [], [], []
    controls = PAGE_CONTROLS[page]
    for i, state in enumerate(states(str(first), str(last), n)):
        apply_state(at, state)
        if controls and i % 3 == 2:
            kind, key, value = controls[(i // 3) % len(controls)]
            _control(at, kind, key, value)
        wall, cpu = _timed(lambda: at.run(timeout=600))
        _check(at)
        walls.append(wall)
        cpus.append(cpu)
        rss.append(rss_mib()[0])
    return {
        "page": page, "open_s": round(open_wall, 2), "open_cpu_s": round(open_cpu, 2),
        "p50_s": round(statistics.median(walls), 3), "p95_s": round(_p95(walls), 3),
        "max_s": round(max(walls), 3),
        "cpu_p50_s": round(statistics.median(cpus), 3), "cpu_p95_s": round(_p95(cpus), 3),
        "interactions": n, "load": round(os.getloadavg()[0], 1),
        "rss_open_mib": round(rss_open), "rss_end_mib": round(rss[-1]),
        "rss_max_mib": round(max(rss)), "rss_peak_mib": round(rss_mib()[1]),
        "rss_trace_mib": [round(r) for r in rss],
    }


def _bounds(at: Any) -> tuple[str, str]:
    keys = {getattr(w, "key", None) for w in at.sidebar.date_input}
    if "from" not in keys:
        return "", ""
    return str(at.sidebar.date_input(key="from").value), str(at.sidebar.date_input(key="to").value)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_engine(data: str) -> dict[str, Any]:
    """Without Streamlit: open the engine and time the queries the pages make, for a year's
    date range (what scales with the corpus; used for the 300k / 1M statement)."""
    import shutil
    from datetime import date

    from revue_app import queries as q
    from revue_app.engine import INDEX_DIR, Engine

    # Once per dataset version: the engine builds its tables into a file (`.engine/`); every
    # later open (each server start) only attaches it. Both are timed.
    shutil.rmtree(Path(data) / INDEX_DIR, ignore_errors=True)
    began = time.perf_counter()
    Engine.open(data).close()
    built = round(time.perf_counter() - began, 2)
    began, cpu = time.perf_counter(), time.process_time()
    db = Engine.open(data)
    opened = (round(time.perf_counter() - began, 2), round(time.process_time() - cpu, 2))
    rss_open = rss_mib()[0]
    f = q.Filters(date_from=date(2023, 3, 1), date_to=date(2024, 3, 1))
    top = q.view_entities(db, q.Filters(), limit=1)["entity_id"].iloc[0]
    calls = {
        "overview": [(q.corpus_counts, {}), (q.top_entities, {}),
                     (q.mention_counts_by_article, {"limit": 40}), (q.article_sentiments, {})],
        "entity": [(q.entity_info, {"entity_id": top}), (q.co_mentioned, {"entity_id": top}),
                   (q.entity_sentiment_by_article, {"entity_id": top}),
                   (q.evidence, {"entity_id": top, "limit": 60})],
        "network": [(q.network, {"window": "sentence"}), (q.network, {"window": "article"})],
        "timeline": [(q.events_with_entities, {"max_articles": 60}), (q.event_entities, {})],
    }
    out: dict[str, Any] = {"index_build_s": built, "open_s": opened[0], "open_cpu_s": opened[1],
                           "rss_open_mib": round(rss_open)}
    for page, items in calls.items():
        wall = time.perf_counter()
        for fn, kwargs in items:
            fn(db, f, **kwargs)
        out[f"{page}_s"] = round(time.perf_counter() - wall, 2)
    out["rss_end_mib"] = round(rss_mib()[0])
    return out


def child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                         capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def browser_rows(name: str, sessions: int, *, quick: bool) -> dict[str, Any] | None:
    """Measure dataset `name` on a real server: one browser session of 50 interactions (the
    server's RSS after each), then `sessions` sessions at once. None if no browser here."""
    from bench.appserver import available

    why = available()
    if why:
        print(f"browser sessions not measured: {why}", flush=True)
        return None
    path, size = dataset(name)
    row: dict[str, Any] = {"name": name, "size": size}
    for label, args in (("single", ["1", "25" if quick else "50"]),
                        ("sessions", [str(sessions), "3" if quick else "6"])):
        try:
            row[label] = child(["browser", path, *args])
        except subprocess.CalledProcessError as error:  # reported, the other rows go on
            row[label] = {"errors": [(error.stderr or "")[-500:]]}
        print(json.dumps({k: v for k, v in row[label].items() if k != "rss_trace_mib"}),
              flush=True)
    return row


def dataset(name: str) -> tuple[str, dict[str, Any]]:
    """Return the path of a dataset (`seeds` or a copy count) and its size."""
    import duckdb

    from pipeline import store

    if name == "seeds":
        path = ROOT / "data" / "seeds"
        if not (path / store.MANIFEST_FILE).exists():
            subprocess.run([sys.executable, "-m", "pipeline", "build", "seeds", "--out",
                            str(path)], check=True, cwd=ROOT)
    else:
        from bench.appdata import build_base, replicate

        path = replicate(build_base(), int(name))
    con = duckdb.connect()
    size = {t: con.execute(f"SELECT count(*) FROM '{path / (t + '.parquet')}'").fetchone()[0]
            for t in ("articles", "sentences", "mentions", "entities")}
    size["mb"] = round(sum(p.stat().st_size for p in path.iterdir() if p.is_file()) / 1e6, 1)
    return str(path), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", nargs="+", default=["50"], help="copies of the base")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-seeds", action="store_true")
    parser.add_argument("--engine", nargs="+", default=[],
                        help="copies to measure without Streamlit (queries only), e.g. 150")
    parser.add_argument("--browser", nargs="*", default=None,
                        help="copies to measure on a real server with browser sessions "
                             "(default: those of --copies; none: `--browser` alone)")
    parser.add_argument("--rss", nargs="+", default=[],
                        help="with --only: re-measure the 50-interaction RSS curve (AppTest) "
                             "of these datasets, keeping their page rows")
    parser.add_argument("--sessions", type=int, default=10,
                        help="browser sessions at once (--browser)")
    parser.add_argument("--only", "--only-engine", action="store_true", dest="only",
                        help="run only --engine and --browser, adding them to the existing "
                             "results (the other rows are kept)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, data, *rest = args.child
        if kind == "page":
            result = run_page(data, rest[0], int(rest[1]))
        elif kind == "engine":
            result = run_engine(data)
        else:
            from bench.appserver import run_browser

            result = run_browser(data, int(rest[0]), int(rest[1]))
        print(json.dumps(result))
        return
    n = 10 if args.quick else 20
    runs = ([] if args.no_seeds else ["seeds"]) + list(args.copies)
    saved = ROOT / "bench" / "app-results.json"
    browser = list(args.copies if args.browser is None and not args.only else
                   args.browser or [])
    if args.only:
        runs = []
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, load average "
                   f"{os.getloadavg()[0]:.1f} at start",
        "datasets": [],
        "command": "python bench/app.py " + " ".join(sys.argv[1:]),
    }
    began = time.perf_counter()
    if args.only and saved.exists():
        results = json.loads(saved.read_text())
        for entry in results["datasets"]:  # AppTest's threads: not a faithful figure
            entry.pop("concurrent", None)
        results.setdefault("reruns", []).append(
            f"`python bench/app.py {' '.join(sys.argv[1:])}` on {time.strftime('%Y-%m-%d')} "
            f"(load average {os.getloadavg()[0]:.1f} at start)")
    for name in runs:
        path, size = dataset(name)
        entry: dict[str, Any] = {"name": name, "size": size, "pages": []}
        for page in PAGES:
            row = child(["page", path, page, str(n)])
            print(json.dumps({k: v for k, v in row.items() if k != "rss_trace_mib"}),
                  flush=True)
            entry["pages"].append(row)
        entry["rss_50"] = child(["page", path, "overview", "50"])
        print("50 interactions:", entry["rss_50"]["rss_trace_mib"][::5], flush=True)
        results["datasets"].append(entry)
    for name in args.rss if args.only else []:
        path, size = dataset(name)
        entry = next((e for e in results["datasets"] if e["name"] == name), None)
        if entry is None:
            entry = {"name": name, "size": size, "pages": []}
            results["datasets"].append(entry)
        entry["rss_50"] = child(["page", path, "overview", "50"])
        entry["rss_50_load"] = round(os.getloadavg()[0], 1)
        print("50 interactions:", entry["rss_50"]["rss_trace_mib"][::5], flush=True)
    # a rerun of --engine / --browser alone replaces the rows it re-measures, keeps the others
    results["engine"] = [row for row in results.get("engine", [])
                         if args.only and row["name"] not in args.engine]
    results["browser"] = [row for row in results.get("browser", [])
                          if args.only and row["name"] not in browser]
    for name in browser:
        row = browser_rows(name, args.sessions, quick=args.quick)
        if row is not None:
            results["browser"].append(row)
    results["browser"].sort(key=lambda row: row["size"]["articles"])
    for name in args.engine:
        path, size = dataset(name)
        row = {"name": name, "size": size, **child(["engine", path])}
        print(json.dumps(row), flush=True)
        results["engine"].append(row)
    results["engine"].sort(key=lambda row: row["size"]["articles"])
    if not args.only:  # the run's own time and load (a rerun of some modes keeps them)
        results["seconds"] = round(time.perf_counter() - began)
        results["load_end"] = round(os.getloadavg()[0], 1)
    (ROOT / "bench" / "app-results.json").write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "bench" / "app-results.md").write_text(markdown(results))
    print(markdown(results))


def markdown(results: dict[str, Any]) -> str:
    command = results.get("command", "make bench-app")
    took = f", {results['seconds'] / 60:.0f} min in all" if results.get("seconds") else ""
    end = f", {results['load_end']} at the end" if results.get("load_end") is not None else ""
    lines = [f"Measured by `{command}` on {results['date']} ({results['machine']}{end}{took}); "
             "seconds per rerun, server-side (AppTest), each page in a fresh process: wall "
             "time, and the CPU time of the process (all its threads: DuckDB runs two), which "
             "other jobs on the machine do not inflate. Load: the 1-minute load average when "
             "the page's run ended."
             + (" Rows re-measured since, the others kept: " + "; ".join(results["reruns"])
                + "." if results.get("reruns") else ""), ""]
    for entry in results["datasets"]:
        size = entry["size"]
        lines += [f"**{entry['name']}**: {size['articles']:,} articles, "
                  f"{size['mentions']:,} mentions, {size['entities']:,} entities "
                  f"({size['mb']} MB of Parquet)", "",
                  "| page | cold open (s) | rerun p50 (s) | rerun p95 (s) | max (s) "
                  "| CPU p50 (s) | CPU p95 (s) | load | RSS after open (MiB) "
                  "| RSS at end (MiB) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for row in entry["pages"]:
            lines.append(f"| {row['page']} | {row['open_s']} | {row['p50_s']} | {row['p95_s']} "
                         f"| {row['max_s']} | {row.get('cpu_p50_s', '–')} "
                         f"| {row.get('cpu_p95_s', '–')} | {row.get('load', '–')} "
                         f"| {row['rss_open_mib']:,} | {row['rss_end_mib']:,} |")
        trace = entry["rss_50"]["rss_trace_mib"]
        lines += ["", f"RSS over 50 Overview interactions (AppTest, in-process), after "
                      f"interaction (n): {_trace(trace)} MiB (max {max(trace):,}; load "
                      f"{entry['rss_50'].get('load', '–')}).", ""]
    if results.get("browser"):
        lines += _browser_lines(results["browser"])
    if results.get("engine"):
        lines += ["Queries alone (no Streamlit), a year's date range, seconds for each page's "
                  "queries; the engine's index is built once per dataset version, then each "
                  "open attaches it:", "", "| dataset | articles | mentions | index build (s) "
                  "| open (s) | RSS after open (MiB) | overview | entity | network | timeline |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for row in results["engine"]:
            lines.append(f"| x{row['name']} | {row['size']['articles']:,} "
                         f"| {row['size']['mentions']:,} | {row.get('index_build_s', '–')} "
                         f"| {row['open_s']} "
                         f"| {row['rss_open_mib']:,} | {row['overview_s']} | {row['entity_s']} "
                         f"| {row['network_s']} | {row['timeline_s']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _trace(trace: list[int]) -> str:
    """RSS after interactions 1, 10, 20, ... of a trace, as 'a → b → c'."""
    picks = [0, *range(9, len(trace), 10)]
    return " → ".join(f"{trace[i]:,} ({i + 1})" for i in picks)


def _name(name: str) -> str:
    return f"x{name}" if name.isdigit() else name


def _browser_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["On a real server (`streamlit run dashboard.py` with `REVUE_DATA` naming the "
             "dataset), driven by headless Chromium (Playwright): each interaction is timed as "
             "the browser sees it, from the keypress or click to the page drawn again (script "
             "done, charts laid out); interactions type a date, a minimum mention count or a "
             "search, or switch the page's own control. RSS: the server process and its "
             "children (MiB), after the first open, at its peak, when the last session ended, "
             "and 5 s after the tabs closed. The browsers share the 2 cores with the server.",
             "", "| dataset | sessions × interactions | first open (s) | open p50 (s) "
             "| interaction p50 (s) | p95 (s) | max (s) | server CPU (s) | RSS open "
             "| RSS peak | RSS end | RSS after | load (start → end) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    notes = []
    for row in rows:
        for label in ("single", "sessions"):
            run = row.get(label) or {}
            if "p50_s" not in run:
                notes.append(f"{_name(row['name'])} {label}: not measured "
                             f"({run.get('errors')})")
                continue
            lines.append(
                f"| {_name(row['name'])} ({row['size']['articles']:,} articles) "
                f"| {run['sessions']} × {run['interactions_each']} | {run['cold_open_s']} "
                f"| {run['open_p50_s']} | {run['p50_s']} | {run['p95_s']} | {run['max_s']} "
                f"| {run['server_cpu_s']} | {run['rss_open_mib']:,} | {run['rss_peak_mib']:,} "
                f"| {run['rss_end_mib']:,} | {run['rss_after_mib']:,} "
                f"| {run['load_start']} → {run['load_end']} |")
            if run.get("errors"):
                notes.append(f"{_name(row['name'])}, {run['sessions']} session(s): errors "
                             f"{run['errors']}")
            if run.get("rss_trace_mib"):
                notes.append(f"{_name(row['name'])}, one session, server RSS after "
                             "interaction (n): "
                             f"{_trace(run['rss_trace_mib'])} MiB.")
    return [*lines, "", *[f"- {note}" for note in notes], ""] if notes else [*lines, ""]


if __name__ == "__main__":
    main()
