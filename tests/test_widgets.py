"""The chart widget's exports (CSV, standalone HTML, caption) and a hostile dataset through the
dashboard in AppTest: names and titles an attacker controls show literally everywhere."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from revue_app import charts, escape
from revue_app.widgets import csv_bytes, md_escape, standalone_html

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard.py")

# No line break: curation.csv refuses values running over several lines (read_curation reports
# them); a multi-line name reaching the word cloud is tested in test_charts.
HOSTILE_NAME = ('<a href="https://evil.example">Sam</a> [x](https://evil.example) $y$ '
                ':red[z] `t` Altman')
HOSTILE_TITLE = '=HYPERLINK("https://evil.example") [t](javascript:alert(1)) ## `x` $\\pi$'


# --- CSV ---------------------------------------------------------------------------------------

def test_csv_export_escapes_formulas_and_keeps_numbers():
    frame = pd.DataFrame({"title": ["=cmd|' /C calc'!A0", "+SUM(1)", "Le Monde"],
                          "sentiment": [-0.25, 0.5, -1.0], "n": [1, 2, 3],
                          "spans": [[1], [2], [3]]})
    raw = csv_bytes(frame)
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["'=cmd|' /C calc'!A0", "'+SUM(1)", "Le Monde"]
    assert [r["sentiment"] for r in rows] == ["-0.25", "0.5", "-1.0"]
    assert "spans" not in rows[0]  # lists have no CSV form


def test_csv_caption_is_one_cell_on_the_first_line():
    raw = csv_bytes(pd.DataFrame({"a": [1]}), caption='Revue · search "=x,=y"\n· drawn now')
    lines = raw.decode("utf-8-sig").splitlines()
    first = next(csv.reader([lines[0]]))
    assert first == ['# Revue · search "=x,=y" · drawn now']  # one cell, not a formula
    assert lines[1:] == ["a", "1"]


# --- HTML ---------------------------------------------------------------------------------------

def _figure() -> go.Figure:
    frame = pd.DataFrame({"entity_id": ["per:a"], "name": [HOSTILE_NAME], "label": ["PER"],
                          "n_mentions": [3], "n_articles": [1]})
    return charts.with_caption(charts.top_entities_bar(frame), "Revue · dataset seeds · <x>")


def test_html_export_names_itself_and_the_light_one_is_small():
    fig = _figure()
    light = standalone_html(fig, "top", offline=False)
    full = standalone_html(fig, "top")
    title = re.search(rb"<title>(.*?)</title>", light).group(1).decode()
    assert title == ("Most mentioned entities, by type (number of mentions) — Revue · dataset "
                     "seeds · &lt;x&gt;")
    assert len(light) < 50_000 and re.search(rb'<script [^>]*src="https://cdn\.plot\.ly/', light)
    assert len(full) > 3_000_000 and full[:1000].count(b"<title>") == 1
    assert not re.search(rb'<script [^>]*src="https?://', full)  # opens offline
    assert full.index(b'<meta charset="utf-8" />') < full.index(b"<title>")


def test_caption_is_a_subtitle_that_makes_room_for_itself():
    plain = charts.top_entities_bar(pd.DataFrame({
        "entity_id": ["per:a"], "name": ["A"], "label": ["PER"], "n_mentions": [3],
        "n_articles": [1]}))
    captioned = charts.with_caption(plain, "Revue · dataset seeds · " + "x" * 200)
    d = captioned.to_dict()["layout"]
    assert d["title"]["subtitle"]["text"].count("<br>") == 1  # wrapped on two lines
    assert d["margin"]["t"] > plain.layout.margin.t and d["height"] > plain.layout.height
    assert plain.layout.title.subtitle.text is None  # the chart itself is unchanged


def test_md_escape_is_the_escape_module():
    assert md_escape(HOSTILE_NAME) == escape.md(HOSTILE_NAME)


# --- A hostile dataset in the dashboard ---------------------------------------------------------

@pytest.fixture()
def hostile_env(seed_build, tmp_path, monkeypatch):
    """The seed dataset with Sam Altman renamed (curation) to a name full of markup and a line
    break, and an article titled like a formula and a link."""
    path = tmp_path / "hostile"
    shutil.copytree(seed_build.path, path)
    with (path / "curation.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["action", "entity", "target", "value", "note"])
        writer.writerow(["rename", "per:sam-altman", "", HOSTILE_NAME, ""])
    articles = pd.read_parquet(path / "articles.parquet")
    articles.loc[0, "title"] = HOSTILE_TITLE
    articles.to_parquet(path / "articles.parquet", index=False)
    monkeypatch.setenv("REVUE_DATA", str(path))
    return articles.loc[0, "article_id"]


def _run(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run(timeout=60)
    if page != "overview":
        at.switch_page(f"revue_app/pages/{page}.py")
        at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def _plotly_strings(fig: dict) -> list[str]:
    """Every string plotly renders as text: titles, ticks, legend names, hovers, annotations."""
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if key not in ("source", "customdata", "hovertemplate"):
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(fig)
    return out


def test_hostile_names_show_literally_on_every_page(hostile_env):
    shown = escape.one_line(HOSTILE_NAME)
    # Overview: the word cloud draws the renamed entity (a line break used to crash it)
    at = _run("overview", {})
    figures = _figures(at)
    cloud = next(f for f in figures if any(t.get("type") == "image" for t in f["data"]))
    assert shown in next(t for t in cloud["data"] if t["type"] == "scatter")["customdata"]
    for fig in figures:
        for text in _plotly_strings(fig):
            assert not re.search(r"<a\b|<img\b", text, re.IGNORECASE), text
    assert any(escape.plotly(HOSTILE_NAME)[:20] in t for f in figures
               for t in _plotly_strings(f))

    # Entity: heading, caption, expander and info boxes hold the escaped name
    at = _run("entity", {"entity": "per:sam-altman"})
    assert escape.md(HOSTILE_NAME) in [s.value for s in at.subheader]
    labels = [e.label for e in at.expander]
    assert any(escape.md(HOSTILE_NAME) in label for label in labels), labels
    named = [b.value for b in [*at.markdown, *at.caption, *at.info] if "evil" in b.value]
    assert named and all(escape.md(HOSTILE_NAME) in text for text in named), named
    evidence = " ".join(h.proto.body for h in at.get("html"))
    assert "evil.example" not in evidence or "&lt;a href" in evidence

    # Timeline: the legend (plotly renders HTML in it) never holds a link
    at = _run("timeline", {"who": "per:sam-altman"})
    timeline = _figures(at)[0]
    names = [t["name"] for t in timeline["data"]]
    assert names and all("<" not in n for n in names), names
    assert names[0].startswith("&lt;a href=")

    # Articles: the hostile title as a literal heading
    at = _run("articles", {"article": hostile_env})
    assert escape.md(HOSTILE_TITLE) in [s.value for s in at.subheader]
