"""Benchmark helper: the dashboard as its users get it — `streamlit run dashboard.py` on a free
local port, several headless-Chromium sessions at once (Playwright), and the server's memory
sampled all along.

Why a real server: AppTest runs the script in the benchmark's own process with a mock Runtime
that is a process global (cleared at the end of each run), so sessions on threads break each
other (`KeyError: 'from'`); here each browser tab is a real Streamlit session over its own
websocket, served by the real runtime, and its latency is what the browser sees.

Used by `python bench/app.py --browser 50` (see bench/app.py); not a test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and
                 Path(p).exists()), None)
# nothing fetched, nothing synced, no GPU (the browser tests launch Chromium with these too)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 900}
SERVER_TIMEOUT = 120  # s, until /_stcore/health answers
STEP_TIMEOUT = 300_000  # ms for one interaction: generous, ten sessions share two cores
SESSION_PAGES = ["overview", "entity", "network", "timeline"]
# Each page's own control (a segmented control, by key) toggled on some interactions.
PAGE_CONTROL = {"overview": "cloud", "entity": "with", "network": "window", "timeline": "freq"}
SEARCHES = ["Microsoft", "conseil", "démission", "accord"]

# Counts the script runs the browser sees end (the app leaving "running"), installed in every
# page before the app loads: a rerun shorter than a polling interval still counts.
_RUN_COUNTER_JS = """(() => {
  window.__revueRuns = 0;
  new MutationObserver(records => {
    for (const r of records) if (r.oldValue === 'running') window.__revueRuns += 1;
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
})();"""

# The app is idle and drawn: the script finished, connected, a page heading, nothing stale or
# running, and every plotly chart laid out (as tests/test_browser.py waits). `runs`: the
# count of runs that must have ended before (a run after it must have ended too).
_IDLE_JS = """(runs) => {
  if (!(window.__revueRuns > runs)) return false;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid="stException"]')) return true;
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stHeading"]')) return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"], '
      + '[data-testid="stMain"] [data-testid="stSkeleton"], [data-stale="true"]')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    const gd = chart.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout || !chart.querySelector('.main-svg')) return false;
  }
  return true;
}"""


def available() -> str | None:
    """Return why the browser benchmark cannot run here (None: it can)."""
    if CHROMIUM is None:
        return "Chromium is not installed (/usr/bin/chromium)"
    try:
        import playwright.async_api  # noqa: F401
        import psutil  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200 and response.read().strip() == b"ok")
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def run_server(data: str | Path, *, log: Path | None = None, env: dict[str, str] | None = None,
               timeout: float = SERVER_TIMEOUT) -> Iterator[tuple[str, int, Path]]:
    """`streamlit run dashboard.py` with REVUE_DATA=`data` (how `make run` and the app pick a
    dataset) and `env`, on a free port; yields (url, pid, log). Raises RuntimeError with the
    server's log if it does not answer within `timeout` s. Stops the server's process group.
    The browser tests start their servers through it too."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = log or Path(tempfile.mkdtemp(prefix="revue-bench-")) / "server.log"
    environment = {**os.environ, "REVUE_DATA": str(data), "PYTHONUNBUFFERED": "1", **(env or {})}
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py",
               "--server.headless", "true", "--server.address", "127.0.0.1",
               "--server.port", str(port), "--browser.gatherUsageStats", "false",
               # no reruns or "source changed" banners if a file is edited mid-run
               "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                why = (f"exited with {process.returncode}" if process.poll() is not None
                       else f"did not answer {url}/_stcore/health within {timeout} s")
                raise RuntimeError(f"streamlit {why}; its log:\n"
                                   f"{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.25)
        yield url, process.pid, log
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and anything it started (it leads its own process group)."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)  # the group this Popen started, nothing else
            process.wait(timeout=wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


class MemorySampler:
    """Sample the resident memory of a process and its children (MiB) in a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.every = every
        self.peak = 0.0
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> float:
        """Return the RSS of the server and its children now, MiB."""
        import psutil

        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:  # a child that just ended
                continue
        return total / 2**20

    def cpu(self) -> float:
        """Return the CPU seconds the server has used so far (user + system)."""
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def _run(self) -> None:
        began = time.monotonic()
        while not self._stop.is_set():
            now = self.rss()
            self.peak = max(self.peak, now)
            self.samples.append((time.monotonic() - began, now))
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


# --- one browser session -------------------------------------------------------------------

async def _settle(page: Any, runs: int) -> None:
    """Wait until a run has ended after the first `runs` runs and the page is drawn."""
    await page.wait_for_function(_IDLE_JS, arg=runs, timeout=STEP_TIMEOUT, polling=50)


async def _runs(page: Any) -> int:
    return int(await page.evaluate("window.__revueRuns || 0"))


async def _sidebar_date(page: Any, label: str) -> str:
    box = page.locator('[data-testid="stSidebarUserContent"] [data-testid="stDateInput"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=label)).first
    return str(await box.locator('input[type="date"]').first.input_value())


async def _type_date(page: Any, key: str, value: str) -> Any:
    """Type a date into the sidebar's date input `key` segment by segment, as a user does;
    return the action that commits it (leaving the widget)."""
    segments = page.locator(f'.st-key-{key} [role="spinbutton"]')
    await segments.first.click()
    for i, part in enumerate(value.split("-")):
        await segments.nth(i).click()
        await segments.nth(i).press_sequentially(part, delay=20)
    return page.locator('[data-testid="stSidebarUserContent"] h3').first.click


async def _fill(page: Any, key: str, value: str, other: str) -> Any:
    """Type `value` (`other` if the box already holds it: the same value would not rerun)
    into the text or number input `key`; return the Enter that commits it."""
    box = page.locator(f'.st-key-{key} input').first
    await box.fill(other if await box.input_value() == value else value)
    return lambda: box.press("Enter")


async def _toggle(page: Any, key: str) -> Any:
    """Return the click on the first option of the segmented control `key` not chosen (None
    when the page does not show it: a view with nothing to draw stops early)."""
    button = page.locator(f'.st-key-{key} button[aria-checked="false"]').first
    if not await button.count():
        return None
    await button.scroll_into_view_if_needed()
    return button.click


def _other_day(value: str, state: dict[str, Any]) -> str:
    """Return a day next to `value` inside the state's window (a different date)."""
    from datetime import date, timedelta

    day = date.fromisoformat(value)
    later = day + timedelta(days=1)
    return str(later if later <= date.fromisoformat(str(state["to"])) else
               day - timedelta(days=1))


async def _interaction(page: Any, kind: str, state: dict[str, Any], i: int) -> Any:
    """Prepare interaction `kind` (typing, scrolling: not timed); return the action that makes
    the app rerun (timed)."""
    if kind in ("from", "to"):
        value = str(state[kind])
        if value == await _sidebar_date(page, "From" if kind == "from" else "To"):
            value = _other_day(value, state)  # the same date would not rerun
        return await _type_date(page, kind, value)
    if kind == "min":
        return await _fill(page, "min", str(2 + i % 4), "1")
    if kind == "q":
        word = SEARCHES[i % len(SEARCHES)]
        return await _fill(page, "q", word if i % 2 == 0 else "", "" if i % 2 == 0 else word)
    return await _toggle(page, kind) or await _fill(page, "min", str(2 + i % 4), "1")


async def _session(browser: Any, url: str, k: int, n: int, result: dict[str, Any],
                   memory: MemorySampler | None = None) -> None:
    """One user: open a page, then `n` interactions (sidebar filters and the page's control),
    timing each from the action to the page drawn again."""
    from bench.app import states

    page_name = SESSION_PAGES[k % len(SESSION_PAGES)]
    context = await browser.new_context(viewport=VIEWPORT, locale="fr-FR",
                                        timezone_id="Europe/Paris")
    try:
        page = await context.new_page()
        page.set_default_timeout(STEP_TIMEOUT)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"JS: {error}"))
        await page.add_init_script(_RUN_COUNTER_JS)
        began = time.perf_counter()
        await page.goto(f"{url}/{'' if page_name == 'overview' else page_name}",
                        wait_until="domcontentloaded")
        await _settle(page, 0)
        result["open_s"] = time.perf_counter() - began
        first, last = await _sidebar_date(page, "From"), await _sidebar_date(page, "To")
        kinds = ["to", "min", PAGE_CONTROL[page_name], "from", "q"]
        walls: list[float] = []
        plan = states(first, last, n + k)[k:]
        for i in range(n):
            kind = kinds[(i + k) % len(kinds)]
            runs = await _runs(page)
            act = await _interaction(page, kind, plan[i], i + k)
            began = time.perf_counter()
            await act()
            await _settle(page, runs)
            walls.append(time.perf_counter() - began)
            if memory is not None:
                result.setdefault("rss_trace", []).append(round(memory.rss()))
            shown = await page.locator('[data-testid="stException"], '
                                       '[data-testid="stAlertContentError"]').all_inner_texts()
            errors += [f"{page_name} after {kind}: {text[:200]}" for text in shown]
        result.update(page=page_name, walls=walls, errors=errors)
    except Exception as error:  # reported, not raised: the other sessions go on
        result.setdefault("errors", []).append(f"{type(error).__name__}: {error}"[:300])
    finally:
        await context.close()


async def _sessions(url: str, sessions: int, n: int, memory: MemorySampler
                    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            warm: dict[str, Any] = {}
            await _session(browser, url, 0, 0, warm)  # the first open: the engine opens once
            warm["rss_mib"] = memory.rss()
            results: list[dict[str, Any]] = [{} for _ in range(sessions)]
            # one session: the server's memory after each of its interactions
            trace = memory if sessions == 1 else None
            await asyncio.gather(*(_session(browser, url, k, n, results[k], trace)
                                   for k in range(sessions)))
        finally:
            await browser.close()
    return warm, results


def run_browser(data: str, sessions: int, n: int) -> dict[str, Any]:
    """Start the server on `data`, open it once (cold), then run `sessions` browser sessions at
    once, each on one of four pages with `n` interactions; return latencies and server RSS."""
    with run_server(data) as (url, pid, log), MemorySampler(pid) as memory:
        rss_start = memory.rss()
        load_start = os.getloadavg()[0]
        box: dict[str, Any] = {}

        def drive() -> None:  # Playwright's event loop in its own thread, away from sampling
            box["out"] = asyncio.run(_sessions(url, sessions, n, memory))

        cpu_before = memory.cpu()
        began = time.perf_counter()
        worker = threading.Thread(target=drive)
        worker.start()
        worker.join()
        seconds = time.perf_counter() - began
        warm, results = box["out"]
        rss_end = memory.rss()
        cpu = memory.cpu() - cpu_before
        time.sleep(5)  # the sessions' websockets are closed: what the server keeps after them
        rss_after = memory.rss()
        problems = [line for line in log.read_text(errors="replace").splitlines()
                    if "Traceback" in line or "Error" in line][:3]
    walls = [w for r in results for w in r.get("walls", [])]
    opens = [r["open_s"] for r in results if "open_s" in r]
    errors = [e for r in [warm, *results] for e in r.get("errors", [])] + problems
    return {
        "sessions": sessions, "interactions_each": n, "interactions": len(walls),
        "seconds": round(seconds, 1), "server_cpu_s": round(cpu, 1),
        "cold_open_s": round(warm.get("open_s", float("nan")), 2),
        "open_p50_s": round(statistics.median(opens), 2) if opens else None,
        "p50_s": round(statistics.median(walls), 2) if walls else None,
        "p95_s": round(_p95(walls), 2) if walls else None,
        "max_s": round(max(walls), 2) if walls else None,
        "rss_start_mib": round(rss_start), "rss_open_mib": round(warm.get("rss_mib", 0)),
        "rss_peak_mib": round(memory.peak),
        "rss_end_mib": round(rss_end), "rss_after_mib": round(rss_after),
        "load_start": round(load_start, 1), "load_end": round(os.getloadavg()[0], 1),
        "pages": sorted({r.get("page", "?") for r in results}), "errors": errors[:5],
        "rss_trace_mib": results[0].get("rss_trace", []) if sessions == 1 else [],
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
