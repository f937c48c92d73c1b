"""Charts, checked on `fig.to_dict()` without rendering: titles, trace types, colours, ids."""

from __future__ import annotations

import base64
import math

import numpy as np
import pandas as pd
import pytest
from test_queries import tiny_tables

from pipeline.schema import empty
from revue_app import charts as c
from revue_app import queries as q
from revue_app.engine import Engine

ALL = q.Filters()


def values(x):
    """Decode plotly's base64 typed arrays ({"dtype", "bdata"}) into a list."""
    if isinstance(x, dict) and "bdata" in x:
        arr = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"])
        return arr.reshape(x["shape"]).tolist() if "shape" in x else arr.tolist()
    return list(x)


@pytest.fixture(scope="module")
def tables():
    return tiny_tables()


@pytest.fixture(scope="module")
def db(tables):
    return Engine.from_tables(tables)


def title(fig) -> str:
    return fig.to_dict()["layout"]["title"]["text"]


def test_type_colours_cover_every_label():
    assert set(c.TYPE_COLOURS) == set(q.LABELS) == set(c.TYPE_NAMES)
    assert len(set(c.TYPE_COLOURS.values())) == 4


def test_top_entities_bar(tables, db):
    fig = c.top_entities_bar(q.top_entities(db, ALL))
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
    nothing = Engine.from_tables({"entities": empty("entities")})
    for fig in (c.top_entities_bar(q.top_entities(nothing, ALL)),
                c.network_graph(pd.DataFrame(columns=["entity_id"]), pd.DataFrame()),
                c.event_timeline(pd.DataFrame()),
                c.word_cloud(pd.DataFrame({"term": [], "n": [], "label": []}))):
        d = fig.to_dict()
        assert d["layout"]["annotations"][0]["text"]
        assert d["data"] == []


def test_mentions_bar_by_article_and_source(db):
    frame, _ = q.mention_counts_by_article(db, ALL)
    d = c.mentions_bar(frame, by="article").to_dict()
    assert d["layout"]["barmode"] == "stack"
    assert {t["marker"]["color"] for t in d["data"]} == set(c.TYPE_COLOURS.values())
    assert set(c.figure_ids(d)) == {"a1", "a2", "a3"}
    frame = q.mention_counts_by_source(db, ALL)
    d = c.mentions_bar(frame, by="source").to_dict()
    assert "source" in d["layout"]["title"]["text"]
    assert set(c.figure_ids(d)) == {"Le Monde", q.UNKNOWN_SOURCE}


def test_word_cloud_is_an_image(tables, db):
    fig = c.word_cloud(q.word_frequencies(db, ALL, mode="words"))
    d = fig.to_dict()
    assert d["data"][0]["type"] == "image"
    assert d["data"][0]["source"].startswith("data:image/png;base64,")


def test_word_cloud_uses_dejavu_sans_and_fills_its_figure(tables, db):
    font = c.cloud_font()
    assert font and font.endswith("DejaVuSans.ttf")  # not wordcloud's monospace default
    d = c.word_cloud(q.word_frequencies(db, ALL, mode="entities"), width=800, height=520,
                     column_px=540).to_dict()
    layout = d["layout"]
    assert layout["margin"]["l"] == layout["margin"]["r"] == layout["margin"]["b"] == 0
    # the plot area (height less the title) has the image's aspect ratio at the column width
    plot_h = layout["height"] - layout["margin"]["t"]
    assert plot_h == pytest.approx(540 * 520 / 800, abs=1)
    assert layout["xaxis"]["range"] == [0, 800] and layout["yaxis"]["range"] == [520, 0]
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False


def test_sentiment_histogram(tables, db):
    fig = c.sentiment_histogram(tables["articles"].assign(sentiment=[-0.5, 0.3, np.nan]))
    d = fig.to_dict()
    assert title(fig) == "Articles per sentiment band"
    counts = values(d["data"][0]["y"])
    assert sum(counts) == 2
    assert c.SENTIMENT_COLOURS["negative"] in d["data"][0]["marker"]["color"]


def test_mentions_over_time_colour_is_type(tables, db):
    tl = q.entity_timeline(db, ALL,
                           ["per:sam-altman", "org:microsoft"], "D", names={})
    labels = dict(zip(tables["entities"]["entity_id"], tables["entities"]["label"], strict=True))
    d = c.mentions_over_time(tl, labels=labels, freq="D").to_dict()
    assert "per day" in d["layout"]["title"]["text"]
    colours = {t["name"]: t["marker"]["color"] for t in d["data"]}
    assert colours["per:sam-altman (PER)"] == c.TYPE_COLOURS["PER"]
    assert colours["org:microsoft (ORG)"] == c.TYPE_COLOURS["ORG"]
    assert set(c.figure_ids(d)) == {"per:sam-altman", "org:microsoft"}


def _seed_like_timeline(freq: q.Freq) -> tuple[pd.DataFrame, dict[str, str]]:
    """Four articles on 20-22 November 2023 and one on 9 August 2024, like the seeds."""
    days = ["2023-11-20", "2023-11-20", "2023-11-21", "2023-11-22", "2024-08-09"]
    ids = [f"a{i}" for i in range(5)]
    articles = pd.DataFrame({"article_id": ids, "origin": ids, "date_source": "metadata",
                             "language": "fr", "text": "X Y", "n_words": 2,
                             "published": pd.to_datetime(days)})
    mentions = pd.DataFrame({"article_id": ["a0", "a1", "a1", "a2", "a3", "a4", "a4"],
                             "entity_id": ["x", "x", "y", "x", "y", "x", "y"],
                             "start": [0, 0, 2, 0, 2, 0, 2], "sentence_id": 0,
                             "label": "ORG"})
    mentions = mentions.assign(end=mentions["start"] + 1, surface=mentions["entity_id"])
    db = Engine.from_tables({"articles": articles, "mentions": mentions})
    tl = q.entity_timeline(db, ALL, ["x", "y"], freq, names={"x": "X", "y": "Y"})
    return tl, {"x": "ORG", "y": "ORG"}


def test_mentions_over_time_bars_leave_quiet_periods_empty():
    tl, labels = _seed_like_timeline("M")
    d = c.mentions_over_time(tl, labels=labels, freq="M").to_dict()
    assert {t["type"] for t in d["data"]} == {"bar"}
    x = next(t for t in d["data"] if t["name"] == "X (ORG)")
    assert len(x["x"]) == 10  # November 2023 … August 2024
    assert values(x["y"])[0] == 3 and values(x["y"])[-1] == 1 and sum(values(x["y"])) == 4
    assert x["xperiod"] == "M1" and x["xperiodalignment"] == "middle"  # a bar spans its month
    # two entities of one type: same colour, told apart by the pattern
    patterns = [t["marker"]["pattern"]["shape"] for t in d["data"]]
    assert len(set(patterns)) == 2
    assert d["layout"]["xaxis"]["dtick"] == "M1"  # every month named on the axis


def test_mentions_over_time_draws_no_line_across_empty_periods():
    tl, labels = _seed_like_timeline("D")  # 264 days: too many for bars
    d = c.mentions_over_time(tl, labels=labels, freq="D").to_dict()
    assert {t["type"] for t in d["data"]} == {"scatter"}
    x = next(t for t in d["data"] if t["name"] == "X (ORG)")
    ys = list(x["y"])
    assert len(ys) == 264
    assert ys[:3] == [2, 1, 0]  # 20, 21 Nov, then back to zero on the 22nd...
    assert ys[3:-2] == [None] * (264 - 5)  # ... and nothing drawn until August
    assert ys[-2:] == [0, 1]
    assert values(x["marker"]["size"])[:3] == [10, 10, 0]  # markers on counts only


def test_sentiment_over_time_breaks_the_line_between_distant_periods():
    frame = pd.DataFrame({"period": pd.to_datetime(["2023-11-01", "2023-12-01", "2024-08-01"]),
                          "sentiment": [0.1, 0.2, -0.3], "n_sentences": [4, 1, 2]})
    d = c.sentiment_over_time(frame, freq="M").to_dict()
    trace = d["data"][0]
    assert list(trace["y"]) == [0.1, 0.2, None, -0.3]
    assert trace["connectgaps"] is False


def test_short_labels_are_escaped_then_cut_with_an_ellipsis():
    assert c._short("Tom & Jerry", 60) == "Tom &amp; Jerry"
    cut = c._short("L'affaire " + "x" * 80, 20)
    assert cut == "L&#x27;affaire " + "x" * 9 + "…"  # 19 characters, the entity kept whole
    frame = pd.DataFrame({"article_id": ["a1"], "article": ["2023-11-20 · L'" + "é" * 80],
                          "sentiment": [0.2], "n_sentences": [3]})
    ticks = c.sentiment_by_article(frame).to_dict()["layout"]["yaxis"]["ticktext"]
    assert ticks[0].endswith("…") and "&#x27;" in ticks[0]


def test_sentiment_charts(tables, db):
    d = c.sentiment_over_time(q.entity_sentiment_timeline(db, ALL, "per:sam-altman"),
                              name="Sam Altman").to_dict()
    assert "Sam Altman" in d["layout"]["title"]["text"]
    assert d["layout"]["yaxis"]["range"] == [-1.05, 1.05]
    d = c.sentiment_by_article(q.entity_sentiment_by_article(db, ALL, "per:sam-altman")).to_dict()
    assert d["data"][0]["customdata"] == ["a1", "a2"]


def test_network_graph(tables, db):
    edges = q.cooccurrence(db, ALL, weight="count")
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


def hub_graph() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Like the seeds: five hubs all tied together, 22 leaves tied to one or two hubs, and an
    isolated pair (États-Unis — Thanksgiving)."""
    hubs = ["OpenAI", "Microsoft", "Sam Altman", "ChatGPT", "Greg Brockman"]
    leaves = [f"Leaf entity {i}" for i in range(22)]
    names = hubs + leaves + ["États-Unis", "Thanksgiving"]
    ids = [f"x:{i:02d}" for i in range(len(names))]
    mentions = [79, 55, 35, 13, 10] + [9 - i // 3 for i in range(22)] + [2, 3]
    nodes = pd.DataFrame({"entity_id": ids, "name": names, "label": "ORG",
                          "n_mentions": mentions, "sentiment": 0.0})
    pairs = [(a, b, 25 - 3 * (i + j)) for i, a in enumerate(ids[:5])
             for j, b in enumerate(ids[:5]) if i < j]
    pairs += [(ids[i % 5], leaf, 1 + i % 3) for i, leaf in enumerate(ids[5:27])]
    pairs += [(ids[(i + 2) % 5], leaf, 1) for i, leaf in enumerate(ids[5:27]) if i % 2]
    pairs += [(ids[27], ids[28], 1)]
    edges = pd.DataFrame({"a": [min(a, b) for a, b, _ in pairs],
                          "b": [max(a, b) for a, b, _ in pairs],
                          "n": [n for *_, n in pairs]})
    edges["weight"] = edges["n"].astype("float64")
    return nodes, edges


def test_network_hub_is_readable():
    nodes, edges = hub_graph()
    d = c.network_graph(nodes, edges).to_dict()
    node_traces = [t for t in d["data"] if t.get("mode") == "markers+text"]
    points = [(x, y, s, text, place, e) for t in node_traces
              for x, y, s, text, place, e in zip(t["x"], t["y"], values(t["marker"]["size"]),
                                                 t["text"], t["textposition"], t["customdata"],
                                                 strict=True)]
    # no two markers overlap, in the pixel box the layout works in
    for i, (x1, y1, s1, *_) in enumerate(points):
        for x2, y2, s2, *_ in points[i + 1:]:
            assert math.hypot(x1 - x2, y1 - y2) >= (s1 + s2) / 2, (x1, y1, x2, y2)
    assert all(0 <= x <= c.NET_W and 0 <= y <= c.NET_H for x, y, *_ in points)
    # only the most mentioned are named, the five hubs always; the others say it on hover
    named = {e: (text, place) for *_, text, place, e in points if text}
    assert len(named) <= c.NET_LABELS
    assert set(nodes["entity_id"].head(5)) <= set(named)
    unnamed = [e for *_, text, _, e in points if not text]
    assert unnamed
    hover = {e: h for t in node_traces for e, h in zip(t["customdata"], t["hovertext"],
                                                        strict=True)}
    assert all(nodes.set_index("entity_id").loc[e, "name"] in hover[e] for e in unnamed)
    # no label covers another label or a marker
    boxes = [c.label_box(text, x, y, s, place) for x, y, s, text, place, _ in points if text]
    for i, a in enumerate(boxes):
        assert all(c._overlap(a, b) == 0 for b in boxes[i + 1:]), a
    for x, y, s, *_ in points:
        disc = (x - s / 2, y - s / 2, x + s / 2, y + s / 2)
        assert all(c._overlap(box, disc) == 0 for box in boxes)
    # labels point away from the middle of the picture, not all "top center"
    assert len({place for _, place in named.values()}) >= 3
    assert d["layout"]["xaxis"]["range"] == [0, c.NET_W]


def test_network_isolated_pair_sits_apart():
    nodes, edges = hub_graph()
    pos = c.graph_layout(nodes["entity_id"].tolist(), edges,
                         sizes=dict(zip(nodes["entity_id"],
                                        c.node_sizes(nodes["n_mentions"].tolist()),
                                        strict=True)))
    main = [pos[e] for e in nodes["entity_id"][:27]]
    pair = [pos[e] for e in nodes["entity_id"][27:]]
    assert max(y for _, y in pair) < min(y for _, y in main) - 30  # in a strip below
    assert abs(pair[0][0] - pair[1][0]) > 60  # its two ends apart


def test_network_graph_edge_width_follows_weight(tables, db):
    edges = pd.DataFrame({"a": ["misc:openai", "loc:paris"], "b": ["per:sam-altman",
                          "org:microsoft"], "n": [5, 1], "weight": [5.0, 1.0]})
    d = c.network_graph(tables["entities"], edges).to_dict()
    widths = {t["line"]["width"]: len(t["x"]) // 3 for t in d["data"]
              if t.get("mode") == "lines"}
    assert widths == {1.0: 1, 8.0: 1}


def test_network_graph_sentiment_colours(tables, db):
    edges = q.cooccurrence(db, ALL)
    d = c.network_graph(tables["entities"].assign(sentiment=0.1), edges,
                        colour_by="sentiment").to_dict()
    node = next(t for t in d["data"] if t.get("mode") == "markers+text")
    assert node["marker"]["showscale"] is True


def test_cooccurrence_heatmap(tables, db):
    edges = q.cooccurrence(db, ALL, weight="jaccard")
    d = c.cooccurrence_heatmap(tables["entities"], edges, weight_name="jaccard").to_dict()
    heat = d["data"][0]
    assert heat["type"] == "heatmap"
    ids = heat["x"]
    assert sorted(ids) == sorted(tables["entities"]["entity_id"])  # ids, names as tick labels
    names = dict(zip(tables["entities"]["entity_id"], tables["entities"]["name"], strict=True))
    assert d["layout"]["xaxis"]["ticktext"] == [names[e] for e in ids]
    i, j = ids.index("org:microsoft"), ids.index("loc:paris")
    assert heat["z"][i][j] == pytest.approx(1 / 3, abs=1e-4)
    assert heat["z"][i][i] is None
    assert heat["customdata"][i][j] == "loc:paris|org:microsoft"
    assert "Microsoft — Paris" in heat["hovertext"][i][j]


def test_cooccurrence_heatmap_lowest_count_is_visible_and_order_by_weight():
    nodes, edges = hub_graph()
    d = c.cooccurrence_heatmap(nodes, edges, weight_name="count").to_dict()
    heat = d["data"][0]
    # the scale starts at the smallest count, on a blue that reads as a filled cell
    assert heat["zmin"] == 1 and heat["zmax"] == 22
    low = heat["colorscale"][0][1]
    assert low.lower() not in ("#ffffff", "#f7fbff", "white")
    assert sum(int(low[k:k + 2], 16) for k in (1, 3, 5)) < 3 * 0xE0  # not near-white
    # pairs never seen together stay blank
    assert any(v is None for row in heat["z"] for v in row)
    # rows and columns by total weight: the hubs first, the heaviest at the top-left
    total = {e: 0.0 for e in nodes["entity_id"]}
    for a, b, w in zip(edges["a"], edges["b"], edges["weight"], strict=True):
        total[a] += w
        total[b] += w
    assert heat["y"] == heat["x"]
    assert [total[e] for e in heat["x"]] == sorted(total.values(), reverse=True)
    assert heat["x"][0] == "x:00"


def test_cooccurrence_heatmap_pmi_is_diverging_around_zero(tables, db):
    edges = q.cooccurrence(db, ALL, weight="pmi", n_units=20)
    heat = c.cooccurrence_heatmap(tables["entities"], edges, weight_name="pmi").to_dict()[
        "data"][0]
    assert heat["zmin"] == -heat["zmax"]
    assert heat["colorscale"][2][1].upper() != "#FFFFFF"  # "independent" is a grey, not blank


def test_event_timeline_marks_inferred_dates(tables, db):
    events = q.events_with_entities(db, ALL)
    d = c.event_timeline(events).to_dict()
    assert d["data"][0]["customdata"] == ["a1"]
    assert "Sam Altman" in d["data"][0]["hovertext"][0]
    inferred = events.assign(date_source="inferred")
    d = c.event_timeline(inferred).to_dict()
    assert "(date inferred)" in d["layout"]["yaxis"]["ticktext"][0]
    assert any(t["name"] == "publication date" for t in d["data"])


def _events(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(article_id, event date, publication date, title) → a frame like events_with_entities."""
    return pd.DataFrame({
        "article_id": [r[0] for r in rows], "date": pd.to_datetime([r[1] for r in rows]),
        "published": pd.to_datetime([r[2] for r in rows]), "title": [r[3] for r in rows],
        "date_source": "metadata", "how": "absolute", "granularity": "day",
        "expression": "le 17 novembre", "sentence": "", "entities": "", "start": 0})


def test_event_timeline_rows_follow_publication_date():
    frame = _events([  # sorted by event date, as the query returns them
        ("late", "2023-11-01", "2024-08-09", "Cette semaine dans l'IA"),
        ("b", "2023-11-17", "2023-11-21", "Microsoft a capitalisé"),
        ("a", "2023-11-18", "2023-11-20", "L'avenir de ChatGPT " + "x" * 60),
        ("c", "2023-11-19", "2023-11-22", "Le drame d'OpenAI"),
    ])
    d = c.event_timeline(frame).to_dict()
    yaxis = d["layout"]["yaxis"]
    assert yaxis["categoryarray"] == ["a", "b", "c", "late"]  # top to bottom
    assert yaxis["autorange"] == "reversed"
    first = yaxis["ticktext"][0]
    assert first.startswith("2023-11-20 · L&#x27;avenir de ChatGPT")
    assert first.endswith("…") and len(first) < 70  # cut, and says so
    # the range slider has room above and below its rows: no marker clipped at its edge
    slider_y = d["layout"]["xaxis"]["rangeslider"]["yaxis"]
    assert slider_y["rangemode"] == "fixed"
    top, bottom = slider_y["range"][1], slider_y["range"][0]
    assert top <= -1 and bottom >= len(yaxis["categoryarray"])


def test_hover_text_is_escaped(tables, db):
    events = q.events_with_entities(db, ALL).assign(sentence="<img src=x onerror=alert(1)>")
    d = c.event_timeline(events).to_dict()
    assert "<img" not in d["data"][0]["hovertext"][0]


def test_a_short_time_axis_never_shows_hours():
    from revue_app.charts import sentiment_over_time

    frame = pd.DataFrame({"period": pd.to_datetime(["2023-11-20", "2023-11-21"]),
                          "sentiment": [-0.2, -0.3], "n_sentences": [3, 1]})
    axis = sentiment_over_time(frame, name="Ilya Sutskever", freq="D").to_dict()["layout"]["xaxis"]
    assert axis["dtick"] == 86_400_000 and "%H" not in axis["tickformat"]


def test_small_counts_get_whole_number_ticks_and_weights_do_not():
    frame = pd.DataFrame({"entity_id": ["per:a", "per:b"], "name": ["A", "B"],
                          "label": ["PER", "PER"], "count": [1, 1], "pmi": [0.4, 1.7]})
    counts = c.entity_bar(frame, value="count", title="t").to_dict()["layout"]["xaxis"]
    weights = c.entity_bar(frame, value="pmi", title="t").to_dict()["layout"]["xaxis"]
    assert counts.get("dtick") == 1 and "dtick" not in weights
