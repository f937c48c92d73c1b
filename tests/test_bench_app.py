"""bench/app.py's report: the real-server rows and the RSS curve reach the README's block.

No benchmark runs here (they take minutes and a browser): the report is rendered from a results
dict shaped like the one the runs write.
"""

from __future__ import annotations

from typing import Any

from bench.app import markdown


def _run(sessions: int, n: int, **extra: Any) -> dict[str, Any]:
    return {"sessions": sessions, "interactions_each": n, "interactions": sessions * n,
            "seconds": 100.0, "server_cpu_s": 50.5, "cold_open_s": 9.5, "open_p50_s": 7.25,
            "p50_s": 1.25, "p95_s": 3.5, "max_s": 4.75, "rss_start_mib": 80,
            "rss_open_mib": 512, "rss_peak_mib": 1483, "rss_end_mib": 877, "rss_after_mib": 870,
            "load_start": 1.5, "load_end": 2.5, "pages": ["overview"], "errors": [], **extra}


def _results(**extra: Any) -> dict[str, Any]:
    size = {"articles": 100_000, "sentences": 1, "mentions": 3_740_850, "entities": 1_302,
            "mb": 25.1}
    trace = list(range(500, 550))
    return {"date": "2026-11-30", "machine": "x86_64, 2 cores", "command": "python bench/app.py",
            "datasets": [{"name": "50", "size": size, "pages": [],
                          "rss_50": {"rss_trace_mib": trace, "load": 1.2}}],
            "engine": [], **extra}


def test_report_shows_the_real_server_sessions_and_the_rss_curve() -> None:
    single = _run(1, 50, rss_trace_mib=list(range(600, 650)))
    text = markdown(_results(browser=[{"name": "50", "size": _results()["datasets"][0]["size"],
                                       "single": single, "sessions": _run(10, 6)}]))
    # the 50-interaction curves, at interactions 1, 10, 20, 30, 40, 50
    assert "500 (1) → 509 (10) → 519 (20) → 529 (30) → 539 (40) → 549 (50) MiB" in text
    assert "600 (1) → 609 (10) → 619 (20) → 629 (30) → 639 (40) → 649 (50) MiB" in text
    # one row per run: sessions × interactions, latencies, server CPU, RSS open/peak/end/after
    assert ("| x50 (100,000 articles) | 10 × 6 | 9.5 | 7.25 | 1.25 | 3.5 | 4.75 | 50.5 | 512 "
            "| 1,483 | 877 | 870 | 1.5 → 2.5 |") in text
    assert "| x50 (100,000 articles) | 1 × 50 |" in text
    assert "headless Chromium" in text


def test_report_names_failed_sessions_and_reruns() -> None:
    failed = {"errors": ["TimeoutError: the page never drew"]}
    text = markdown(_results(
        browser=[{"name": "50", "size": _results()["datasets"][0]["size"],
                  "single": failed, "sessions": _run(10, 6, errors=["KeyError: 'from'"])}],
        reruns=["`python bench/app.py --only --browser 50` on 2026-11-30"]))
    assert "x50 single: not measured (['TimeoutError: the page never drew'])" in text
    assert "x50, 10 session(s): errors [\"KeyError: 'from'\"]" in text
    assert "Rows re-measured since, the others kept: `python bench/app.py --only --browser 50`" \
        in text
