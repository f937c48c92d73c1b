"""View state (revue_app/state.py), run headless with AppTest: links reopen the same view,
dataset switches never crash, merged-away entities redirect."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")
PAGES = ["overview", "entity", "network", "timeline", "articles", "data"]

# Articles written for these tests: another story, in 2019, from two outlets.
OTHER_STORY = [
    ("2019-01-05", "Le Quotidien", "Une grève à Lyon",
     "Marie Dupont, syndicaliste, a annoncé une grève à Lyon. La direction de Transports "
     "Rhodaniens refuse de négocier. Marie Dupont appelle au calme."),
    ("2019-02-10", "La Gazette", "Accord en vue",
     "La direction de Transports Rhodaniens a reçu Marie Dupont à Lyon. Un accord est en vue, "
     "selon Paul Martin, médiateur."),
    ("2019-03-02", "Le Quotidien", "Fin du conflit",
     "Paul Martin annonce la fin du conflit à Lyon. Marie Dupont salue un accord juste."),
]


@pytest.fixture(scope="module")
def uploads(tmp_path_factory, french_nlp) -> Path:
    """An uploads directory holding one dataset, `old-story`, dated 2019."""
    from pipeline.build import build

    root = tmp_path_factory.mktemp("uploads")
    corpus = tmp_path_factory.mktemp("corpus")
    pd.DataFrame(OTHER_STORY, columns=["published", "source", "title", "text"]).to_csv(
        corpus / "story.csv", index=False)
    build([corpus], root / "old-story", loaded_models={"fr": french_nlp})
    return root


@pytest.fixture()
def app_env(seed_build, uploads, monkeypatch):
    import revue_app.data

    monkeypatch.setenv("REVUE_DATA", str(seed_build.path))
    monkeypatch.setattr(revue_app.data, "UPLOADS", uploads)
    return seed_build


def open_app(page: str, params: dict | None = None) -> AppTest:
    """A fresh session opening `page` from a link with `params` (as a new browser tab)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params or {})
    if page != "overview":
        at.switch_page(f"revue_app/pages/{page}.py")
    return at.run(timeout=60)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def switch(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"revue_app/pages/{page}.py")
    return at.run(timeout=60)


# --- Dataset switches (#11 crash, #12 item 8) ------------------------------------------------

def test_switching_to_a_dataset_outside_the_dates_never_crashes(app_env):
    """Dates set on the seeds (2023-2024), then Data → Show a dataset of 2019: every page runs,
    the dates are the new dataset's, and a link to it with the old dates is clamped."""
    at = open_app("data", {"from": "2023-11-21", "to": "2023-11-22", "sources": "TechCrunch"})
    assert_clean(at)
    assert at.sidebar.date_input(key="from").value == date(2023, 11, 21)
    at.button(key="show-old-story").click().run(timeout=60)
    assert_clean(at)
    assert at.query_params["dataset"] == "old-story"
    assert at.sidebar.date_input(key="from").value == date(2019, 1, 5)
    assert at.sidebar.date_input(key="to").value == date(2019, 3, 2)
    assert at.sidebar.multiselect(key="sources").value == []
    assert "from" not in at.query_params and "sources" not in at.query_params
    for page in PAGES:
        switch(at, page)
        assert_clean(at)
        assert at.query_params["dataset"] == "old-story", page
    # back to the seeds: the 2019 dates do not follow either
    switch(at, "data")
    at.sidebar.date_input(key="to").set_value(date(2019, 2, 1)).run(timeout=60)
    at.button(key="default-dataset").click().run(timeout=60)
    assert_clean(at)
    assert "dataset" not in at.query_params
    assert at.sidebar.date_input(key="to").value == date(2024, 8, 9)
    # a link naming the dataset with dates outside it: clamped, no crash
    at = open_app("entity", {"dataset": "old-story", "from": "2023-11-21", "to": "2030-01-01"})
    assert_clean(at)
    assert at.sidebar.date_input(key="from").value == date(2019, 3, 2)
    assert at.sidebar.date_input(key="to").value == date(2019, 3, 2)


def test_a_dataset_that_is_gone_says_so(app_env):
    at = open_app("overview", {"dataset": "no-such-upload"})
    assert_clean(at)
    assert any("no-such-upload" in i.value for i in at.info)
    assert "dataset" not in at.query_params


# --- The reported link bugs ----------------------------------------------------------------

def test_entity_dates_set_to_then_from_keep_the_entity_and_the_url(app_env):
    at = open_app("entity", {"entity": "per:sam-altman"})
    assert_clean(at)
    at.sidebar.date_input(key="to").set_value(date(2023, 11, 22)).run(timeout=60)
    at.sidebar.date_input(key="from").set_value(date(2023, 11, 21)).run(timeout=60)
    assert_clean(at)
    assert at.selectbox(key="entity").value == "per:sam-altman"
    assert at.query_params["from"] == "2023-11-21" and at.query_params["to"] == "2023-11-22"
    assert at.query_params["entity"] == "per:sam-altman"
    # the link reopens the same view in a new session
    again = open_app("entity", {k: at.query_params[k] for k in at.query_params})
    assert again.selectbox(key="entity").value == "per:sam-altman"
    assert again.sidebar.date_input(key="from").value == date(2023, 11, 21)
    assert [m.value for m in again.metric] == [m.value for m in at.metric]


def test_timeline_events_entity_keeps_the_dates(app_env):
    at = open_app("timeline", {"from": "2023-11-21", "to": "2023-11-22"})
    assert_clean(at)
    options = at.multiselect(key="ev").options
    assert options
    at.multiselect(key="ev").select(options[0]).run(timeout=60)
    assert_clean(at)
    assert at.query_params["from"] == "2023-11-21" and at.query_params["to"] == "2023-11-22"
    assert "ev" in at.query_params


@pytest.fixture()
def curated_env(seed_build, uploads, tmp_path, monkeypatch):
    """A copy of the seeds whose curation merged Altman's id into Microsoft's."""
    import revue_app.data

    path = tmp_path / "seeds"
    shutil.copytree(seed_build.path, path)
    (path / "curation.csv").write_text(
        "action,entity,target,value,note\nmerge,per:sam-altman,org:microsoft,,test\n",
        encoding="utf-8")
    monkeypatch.setenv("REVUE_DATA", str(path))
    monkeypatch.setattr(revue_app.data, "UPLOADS", uploads)
    return path


def test_a_merged_away_entity_redirects_with_a_notice(curated_env):
    at = open_app("entity", {"entity": "per:sam-altman"})
    assert_clean(at)
    assert at.selectbox(key="entity").value == "org:microsoft"
    assert at.query_params["entity"] == "org:microsoft"
    assert any("merged" in i.value and "per:sam-altman" in i.value for i in at.info)


def test_an_unknown_entity_says_so(app_env):
    at = open_app("entity", {"entity": "per:nobody-at-all"})
    assert_clean(at)
    assert any("no entity" in i.value and "per:nobody-at-all" in i.value for i in at.info)


# --- Every state round-trips through its link ----------------------------------------------

SEED_DAYS = [date(2023, 11, 20), date(2023, 11, 21), date(2023, 11, 22), date(2024, 8, 9)]
ENTITIES = ["per:sam-altman", "org:microsoft", "misc:openai"]


@st.composite
def views(draw) -> tuple[str, dict[str, str | list[str]], dict[str, object]]:
    """A page, a query string a user could have opened, and sidebar edits made afterwards."""
    page = draw(st.sampled_from(PAGES))
    params: dict[str, str | list[str]] = {}
    if draw(st.booleans()):
        a, b = sorted(draw(st.lists(st.sampled_from(SEED_DAYS), min_size=2, max_size=2)))
        params["from"], params["to"] = a.isoformat(), b.isoformat()
    if types := draw(st.lists(st.sampled_from(["PER", "ORG", "LOC", "MISC"]), unique=True,
                              max_size=2)):
        params["types"] = types
    if draw(st.booleans()):
        params["min"] = str(draw(st.integers(1, 3)))
    if draw(st.booleans()):
        params["q"] = draw(st.sampled_from(["Microsoft", "conseil", "OpenAI OR Microsoft"]))
    if draw(st.booleans()):
        params["img"] = "svg"
    if page == "entity":
        params["entity"] = draw(st.sampled_from(ENTITIES))
        params["freq"] = draw(st.sampled_from(["auto", "day", "week", "month"]))
        params["sort"] = draw(st.sampled_from(["date", "most negative"]))
    if page == "network":
        params["weight"] = draw(st.sampled_from(["count", "npmi", "jaccard"]))
        params["top"] = str(draw(st.integers(5, 80)))
    if page == "timeline":
        params["who"] = draw(st.lists(st.sampled_from(ENTITIES), unique=True, max_size=3))
    if page == "overview":
        params["per_type"] = str(draw(st.integers(3, 30)))
        params["by"] = draw(st.sampled_from(["article", "source"]))
    # then changed in the session, after the link was opened
    later = {"min": draw(st.integers(1, 3)),
             "types": draw(st.lists(st.sampled_from(["PER", "ORG", "MISC"]), unique=True,
                                    max_size=2))}
    return page, params, later


def seen(at: AppTest) -> dict[str, object]:
    """What the user sees: every widget's value, the headline numbers, the charts' data."""
    widgets = {}
    for kind in ("selectbox", "multiselect", "date_input", "number_input", "text_input",
                 "radio", "slider", "toggle"):
        for widget in at.get(kind):
            key = getattr(widget, "key", None)
            if key and not key.startswith(("FormSubmitter", "upload")):
                widgets[key] = str(getattr(widget, "value", None))
    data = [json.dumps(json.loads(c.proto.spec)["data"], sort_keys=True)
            for c in at.get("plotly_chart")]
    return {"widgets": widgets, "metrics": [m.value for m in at.metric], "charts": data,
            "info": [i.value for i in at.info]}


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(view=views())
def test_every_view_reopens_from_its_link(app_env, view):
    page, params, later = view
    first = open_app(page, params)
    assert_clean(first)
    first.sidebar.number_input(key="min").set_value(later["min"]).run(timeout=60)
    first.sidebar.multiselect(key="types").set_value(later["types"]).run(timeout=60)
    assert_clean(first)
    link = dict(first.query_params)
    again = open_app(page, link)
    assert_clean(again)
    assert seen(again) == seen(first)
    assert dict(again.query_params) == link


def test_near_duplicates_switch_reaches_the_filters_and_the_url(app_env):
    at = open_app("overview", {"dup": "1"})
    assert_clean(at)
    assert at.sidebar.toggle(key="dup").value is True
    assert at.session_state["_revue_view"].filters.duplicates is True
    at.sidebar.toggle(key="dup").set_value(False).run(timeout=60)
    assert at.session_state["_revue_view"].filters.duplicates is False
    assert "dup" not in at.query_params
