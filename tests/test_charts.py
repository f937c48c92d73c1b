"""Charts, checked on `fig.to_dict()` without rendering: titles, trace types, colours, ids."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from test_queries import tiny_tables

from pipeline.schema import empty
from revue_app import charts as c
from revue_app import queries as q


def values(x):
    """Decode plotly's base64 typed arrays ({"dtype", "bdata"}) into a list."""
    if isinstance(x, dict) and "bdata" in x:
        arr = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
        return arr.reshape(x["shape"]).tolist() if "shape" in x else arr.tolist()
    return list(x)


@pytest.fixture(scope="module")
def tables():
    return tiny_tables()


def title(fig) -> str:
    return fig.to_dict()["layout"]["title"]["text"]


def test_type_colours_cover_every_label():
    assert set(c.TYPE_COLOURS) == set(q.LABELS) == set(c.TYPE_NAMES)
    assert len(set(c.TYPE_COLOURS.values())) == 4


def test_top_entities_bar(tables):
    fig = c.top_entities_bar(q.top_entities(tables["entities"]))
    d = fig.to_dict()
    assert "mentions" in title(fig)
    bars = [t for t in d["data"] if t["type"] == "bar"]
    assert len(bars) == 4  # one panel per type, MISC included
    by_colour = {t["marker"]["color"]: t for t in bars}
    assert by_colour[c.TYPE_COLOURS["PER"]]["customdata"] == ["per:sam-altman"]
    assert by_colour[c.TYPE_COLOURS["MISC"]]["customdata"] == ["misc:openai"]
    assert "OpenAI" in str(d["layout"])  # names shown as tick labels, ids behind them
    panels = [a["text"] for a in d["layout"]["annotations"]]
    assert panels == [c.TYPE_NAMES[lab] for lab in q.LABELS]


def test_top_entities_bar_keeps_accents():
    frame = pd.DataFrame({"entity_id": ["org:societe-generale"], "name": ["Société Générale"],
                          "label": ["ORG"], "n_mentions": [3], "n_articles": [2]})
    d = c.top_entities_bar(frame).to_dict()
    assert d["layout"]["yaxis"]["ticktext"] == ["Société Générale"]


def test_empty_frames_give_a_message_not_an_error():
    for fig in (c.top_entities_bar(q.top_entities(empty("entities"))),
                c.network_graph(pd.DataFrame(columns=["entity_id"]), pd.DataFrame()),
                c.event_timeline(pd.DataFrame()),
                c.word_cloud(pd.DataFrame({"term": [], "n": [], "label": []}))):
        d = fig.to_dict()
        assert d["layout"]["annotations"][0]["text"]
        assert d["data"] == []


def test_mentions_bar_by_article_and_source(tables):
    frame = q.mention_counts_by_article(tables["mentions"], tables["articles"])
    d = c.mentions_bar(frame, by="article").to_dict()
    assert d["layout"]["barmode"] == "stack"
    assert {t["marker"]["color"] for t in d["data"]} == set(c.TYPE_COLOURS.values())
    assert set(c.figure_ids(d)) == {"a1", "a2", "a3"}
    frame = q.mention_counts_by_source(tables["mentions"], tables["articles"])
    d = c.mentions_bar(frame, by="source").to_dict()
    assert "source" in d["layout"]["title"]["text"]
    assert set(c.figure_ids(d)) == {"Le Monde", q.UNKNOWN_SOURCE}


def test_word_cloud_is_an_image(tables):
    fig = c.word_cloud(q.word_frequencies(tables, mode="words"))
    d = fig.to_dict()
    assert d["data"][0]["type"] == "image"
    assert d["data"][0]["source"].startswith("data:image/png;base64,")


def test_sentiment_histogram(tables):
    fig = c.sentiment_histogram(tables["articles"].assign(sentiment=[-0.5, 0.3, np.nan]))
    d = fig.to_dict()
    assert title(fig) == "Articles per sentiment band"
    counts = values(d["data"][0]["y"])
    assert sum(counts) == 2
    assert c.SENTIMENT_COLOURS["negative"] in d["data"][0]["marker"]["color"]


def test_mentions_over_time_colour_is_type(tables):
    tl = q.entity_timeline(tables["mentions"], tables["articles"],
                           ["per:sam-altman", "org:microsoft"], "D", names={})
    labels = dict(zip(tables["entities"]["entity_id"], tables["entities"]["label"], strict=True))
    d = c.mentions_over_time(tl, labels=labels, freq="D").to_dict()
    assert "per day" in d["layout"]["title"]["text"]
    colours = {t["name"]: t["line"]["color"] for t in d["data"]}
    assert colours["per:sam-altman (PER)"] == c.TYPE_COLOURS["PER"]
    assert colours["org:microsoft (ORG)"] == c.TYPE_COLOURS["ORG"]
    assert set(c.figure_ids(d)) == {"per:sam-altman", "org:microsoft"}


def test_sentiment_charts(tables):
    d = c.sentiment_over_time(q.entity_sentiment_timeline(tables, "per:sam-altman"),
                              name="Sam Altman").to_dict()
    assert "Sam Altman" in d["layout"]["title"]["text"]
    assert d["layout"]["yaxis"]["range"] == [-1.05, 1.05]
    d = c.sentiment_by_article(q.entity_sentiment_by_article(tables, "per:sam-altman")).to_dict()
    assert d["data"][0]["customdata"] == ["a1", "a2"]


def test_network_graph(tables):
    edges = q.cooccurrence(tables["mentions"], weight="count")
    nodes = tables["entities"]
    fig = c.network_graph(nodes, edges, weight_name="count")
    d = fig.to_dict()
    node_traces = [t for t in d["data"] if t.get("mode") == "markers+text"]
    assert {t["marker"]["color"] for t in node_traces} == set(c.TYPE_COLOURS.values())
    ids = [i for t in node_traces for i in t["customdata"]]
    assert sorted(ids) == sorted(nodes["entity_id"])
    mids = [t for t in d["data"] if t.get("name", "").startswith("pairs")]
    assert "org:microsoft|per:sam-altman" in mids[0]["customdata"]
    lines = [t for t in d["data"] if t.get("mode") == "lines"]
    assert sum(len(t["x"]) for t in lines) == 3 * len(edges)  # a, b, gap per edge
    # a fixed seed: the same data gives the same picture
    again = c.network_graph(nodes, edges).to_dict()
    assert [t.get("x") for t in again["data"]] == [t.get("x") for t in d["data"]]


def test_network_graph_edge_width_follows_weight(tables):
    edges = pd.DataFrame({"a": ["misc:openai", "loc:paris"], "b": ["per:sam-altman",
                          "org:microsoft"], "n": [5, 1], "weight": [5.0, 1.0]})
    d = c.network_graph(tables["entities"], edges).to_dict()
    widths = {t["line"]["width"]: len(t["x"]) // 3 for t in d["data"]
              if t.get("mode") == "lines"}
    assert widths == {1.0: 1, 8.0: 1}


def test_network_graph_sentiment_colours(tables):
    edges = q.cooccurrence(tables["mentions"])
    d = c.network_graph(tables["entities"].assign(sentiment=0.1), edges,
                        colour_by="sentiment").to_dict()
    node = next(t for t in d["data"] if t.get("mode") == "markers+text")
    assert node["marker"]["showscale"] is True


def test_cooccurrence_heatmap(tables):
    edges = q.cooccurrence(tables["mentions"], weight="jaccard")
    d = c.cooccurrence_heatmap(tables["entities"], edges, weight_name="jaccard").to_dict()
    heat = d["data"][0]
    assert heat["type"] == "heatmap"
    names = tables["entities"]["name"].tolist()
    assert heat["x"] == names
    i, j = names.index("Microsoft"), names.index("Paris")
    assert heat["z"][i][j] == pytest.approx(1 / 3, abs=1e-4)
    assert heat["z"][i][i] is None
    assert heat["customdata"][i][j] == "loc:paris|org:microsoft"


def test_event_timeline_marks_inferred_dates(tables):
    events = q.events_with_entities(tables)
    d = c.event_timeline(events).to_dict()
    assert d["data"][0]["customdata"] == ["a1"]
    assert "Sam Altman" in d["data"][0]["hovertext"][0]
    inferred = events.assign(date_source="inferred")
    d = c.event_timeline(inferred).to_dict()
    assert "(date inferred)" in d["data"][0]["y"][0]
    assert any(t["name"] == "publication date" for t in d["data"])


def test_hover_text_is_escaped(tables):
    events = q.events_with_entities(tables).assign(sentence="<img src=x onerror=alert(1)>")
    d = c.event_timeline(events).to_dict()
    assert "<img" not in d["data"][0]["hovertext"][0]
