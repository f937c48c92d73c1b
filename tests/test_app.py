"""The dashboard, run headless with AppTest on the seed dataset (built once per session)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
PAGES = ["overview", "entity", "network", "timeline", "articles", "data"]
HEADERS = {p: p.capitalize() for p in PAGES}


@pytest.fixture()
def seed_env(seed_build, monkeypatch):
    monkeypatch.setenv("REVUE_DATA", str(seed_build.path))
    return seed_build


def run_page(page: str, params: dict | None = None) -> AppTest:
    """Run the app on `page` (first run lands on the default page, as a browser would)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params or {})
    at.run(timeout=60)
    if page != "overview":
        at.switch_page(f"revue_app/pages/{page}.py")
        at.run(timeout=60)
    return at


def assert_clean(at: AppTest, page: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [h.value for h in at.header] == [HEADERS[page]]


def charts(at: AppTest) -> dict[str, dict]:
    """Return the plotly figures on the page by chart key."""
    out = {}
    for element in at.get("plotly_chart"):
        key = element.proto.id.rsplit("-", 1)[-1]
        out[key] = json.loads(element.proto.spec)
    return out


def customdata(fig: dict) -> list[str]:
    return [str(x) for trace in fig["data"] for x in trace.get("customdata", [])
            if not isinstance(x, list)]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_default_filters(seed_env, page):
    at = run_page(page)
    assert_clean(at, page)


FILTERED = {"types": ["PER", "MISC"], "min": "2", "q": "Microsoft", "from": "2023-11-20",
            "to": "2023-11-22"}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_filters_from_the_url(seed_env, page):
    at = run_page(page, FILTERED)
    assert_clean(at, page)
    assert at.sidebar.multiselect(key="types").value == ["PER", "MISC"]
    assert at.sidebar.text_input(key="q").value == "Microsoft"
    assert at.sidebar.number_input(key="min").value == 2
    assert str(at.sidebar.date_input(key="to").value) == "2023-11-22"
    # the URL still holds the filters, so the view can be shared
    assert at.query_params["q"] == "Microsoft"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_so_when_filters_leave_nothing(seed_env, page):
    at = run_page(page, {"q": "zzzz-nothing-matches"})
    assert not at.exception, [e.value for e in at.exception]
    if page in ("overview", "entity", "network", "timeline", "articles"):
        infos = " ".join(i.value for i in at.info)
        assert "search" in infos  # suggests which filter to relax


def test_overview_top_people_include_sam_altman(seed_env):
    at = run_page("overview")
    figs = charts(at)
    assert "per:sam-altman" in customdata(figs["top_entities"])
    per = next(t for t in figs["top_entities"]["data"] if t["customdata"][0].startswith("per:"))
    assert "per:sam-altman" in per["customdata"]
    assert {"Articles", "Mentions", "Entities"} <= {m.label for m in at.metric}
    assert next(m.value for m in at.metric if m.label == "Articles") == "5"


def test_overview_counts_follow_filters(seed_env):
    at = run_page("overview", {"sources": "TechCrunch"})
    assert next(m.value for m in at.metric if m.label == "Articles") == "1"


def test_entity_page_from_url(seed_env):
    at = run_page("entity", {"entity": "per:sam-altman"})
    assert_clean(at, "entity")
    assert at.selectbox(key="entity").value == "per:sam-altman"
    assert "Sam Altman" in [s.value for s in at.subheader]
    evidence = " ".join(h.proto.body for h in at.get("html"))
    assert "<mark" in evidence and "articles?" in evidence
    assert "<script" not in evidence
    assert at.query_params["entity"] == "per:sam-altman"


def test_entity_page_weights(seed_env):
    for weight in ("count", "pmi", "npmi", "jaccard"):
        at = run_page("entity", {"entity": "per:sam-altman", "rank": weight,
                                 "with": "article"})
        assert_clean(at, "entity")
        assert at.selectbox(key="rank").value == weight


def test_network_has_altman_microsoft_edge(seed_env):
    at = run_page("network")
    assert_clean(at, "network")
    graph = charts(at)["network_graph"]
    pairs = [x for t in graph["data"] if t.get("name", "").startswith("pairs")
             for x in t["customdata"]]
    assert "org:microsoft|per:sam-altman" in pairs
    assert "org:microsoft|per:sam-altman" in at.selectbox(key="pair").options or any(
        "Microsoft" in o and "Sam Altman" in o for o in at.selectbox(key="pair").options)


def test_network_pair_from_url_and_pmi_warning(seed_env):
    at = run_page("network", {"pair": "org:microsoft|per:sam-altman", "weight": "pmi"})
    assert_clean(at, "network")
    assert at.selectbox(key="pair").value == "org:microsoft|per:sam-altman"
    assert any("Microsoft" in h.proto.body for h in at.get("html"))
    assert at.warning  # 5 articles / a few hundred sentences: PMI is flagged


def test_timeline_shows_the_events(seed_env):
    events = seed_env.tables["events"]
    at = run_page("timeline")
    assert_clean(at, "timeline")
    figs = charts(at)
    assert "timeline_mentions" in figs
    shown = {str(x)[:10] for t in figs["event_timeline"]["data"]
             if t["name"] != "publication date" for x in t["x"]}
    for day in ("2023-11-17", "2023-11-20"):
        if (events["date"].dt.strftime("%Y-%m-%d") == day).any():
            assert day in shown


def test_articles_page_from_url(seed_env):
    articles = seed_env.tables["articles"]
    row = articles.iloc[0]
    at = run_page("articles", {"article": row["article_id"]})
    assert_clean(at, "articles")
    assert at.selectbox(key="article").value == row["article_id"]
    assert row["title"] in [s.value for s in at.subheader]
    body = " ".join(h.proto.body for h in at.get("html"))
    assert "<mark" in body


def test_data_page_offers_every_table(seed_env):
    at = run_page("data")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") >= 7 and labels.count("Parquet") == 7


def test_unreadable_dataset_is_an_error_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("REVUE_DATA", str(tmp_path / "missing"))
    at = AppTest.from_file(APP, default_timeout=60).run(timeout=60)
    assert not at.exception
    assert "not a Revue dataset" in at.error[0].value


def test_reset_button_clears_the_filters(seed_env):
    at = run_page("overview", {"types": "PER", "q": "Microsoft", "min": "2"})
    at.sidebar.button(key="reset_filters").click().run(timeout=60)
    assert not at.exception
    assert at.sidebar.multiselect(key="types").value == []
    assert at.sidebar.text_input(key="q").value == ""
    assert "q" not in at.query_params and "types" not in at.query_params


def test_chart_toolbar_format_follows_the_sidebar(seed_env):
    for asked in ("svg", "SVG"):
        at = run_page("overview", {"img": asked})
        config = json.loads(at.get("plotly_chart")[0].proto.config)
        assert config["toImageButtonOptions"] == {
            "format": "svg", "filename": "top-entities-by-type", "scale": 2}
        assert config["displaylogo"] is False
        assert at.sidebar.radio(key="img").value == "svg"
    at = run_page("overview")
    assert json.loads(at.get("plotly_chart")[0].proto.config)["toImageButtonOptions"][
        "format"] == "png"


def test_every_chart_has_csv_and_html_downloads(seed_env):
    at = run_page("overview")
    n_charts = len(at.get("plotly_chart"))
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") == labels.count("HTML") == n_charts


def test_unknown_dataset_param_falls_back_to_the_default(seed_env):
    at = run_page("overview", {"dataset": "../../etc"})
    assert not at.exception and not at.error
    assert "dataset" not in at.query_params


def test_evidence_links_keep_the_filters(seed_env):
    at = run_page("entity", {"entity": "per:sam-altman", "types": "PER"})
    body = " ".join(h.proto.body for h in at.get("html"))
    assert 'href="./articles?types=PER&amp;article=' in body


def test_timeline_defaults_to_the_five_most_mentioned(seed_env):
    at = run_page("timeline")
    assert_clean(at, "timeline")
    entities = seed_env.tables["entities"].sort_values(["n_mentions", "name"],
                                                       ascending=[False, True])
    assert at.multiselect(key="who").value == entities["entity_id"].head(5).tolist()
    drawn = {t["customdata"][0] for t in charts(at)["timeline_mentions"]["data"]}
    assert drawn == set(entities["entity_id"].head(5))


def test_time_step_is_picked_from_the_span(seed_env):
    # the seeds: November 2023 and August 2024 → per month, not a daily axis of zeros
    at = run_page("entity", {"entity": "misc:openai"})
    assert_clean(at, "entity")
    fig = charts(at)["entity_timeline"]
    assert "per month" in fig["layout"]["title"]["text"]
    assert {t["type"] for t in fig["data"]} == {"bar"}
    at = run_page("timeline")
    assert "per month" in charts(at)["timeline_mentions"]["layout"]["title"]["text"]
    at = run_page("timeline", {"freq": "day"})  # the user's choice still rules
    assert "per day" in charts(at)["timeline_mentions"]["layout"]["title"]["text"]


def test_url_values_in_any_letter_case(seed_env):
    at = run_page("overview", {"types": "per", "img": "SVG", "by": "Source"})
    assert_clean(at, "overview")
    assert at.sidebar.multiselect(key="types").value == ["PER"]
    assert at.sidebar.radio(key="img").value == "svg"
    assert all(e.startswith("per:") for e in customdata(charts(at)["top_entities"]))
    assert "source" in charts(at)["mentions_by"]["layout"]["title"]["text"]
    at = run_page("timeline", {"freq": "Week"})
    assert "per week" in charts(at)["timeline_mentions"]["layout"]["title"]["text"]


def test_build_report_rows_are_not_all_called_skipped(seed_build, tmp_path, monkeypatch):
    """The report holds skipped inputs *and* notes on kept ones: the warning counts entries."""
    import shutil

    dataset = tmp_path / "noted"
    shutil.copytree(seed_build.path, dataset)
    (dataset / "report.csv").write_text(
        "origin,reason\nbroken.pdf,not a text file\n"
        "meta.csv#row=2#published,date out of range; the article is kept without a date\n",
        encoding="utf-8")
    monkeypatch.setenv("REVUE_DATA", str(dataset))
    at = run_page("overview")
    warnings = " ".join(w.value for w in at.warning)
    assert "2 build-report entries (inputs skipped, or read with a warning)" in warnings
    assert "skipped when" not in warnings


def test_search_context_reads_towards_the_hit(seed_env):
    """Keyword in context: the left context is right-aligned so every hit lines up."""
    at = run_page("search", {"q": "OpenAI"})
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["left"]["alignment"] == "right"
    assert config["right"].get("alignment", "left") == "left"
