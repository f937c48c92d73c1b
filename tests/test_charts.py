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


def test_mentions_over_time_gives_each_entity_its_own_colour(tables, db):
    tl = q.entity_timeline(db, ALL,
                           ["per:sam-altman", "org:microsoft"], "D", names={})
    labels = dict(zip(tables["entities"]["entity_id"], tables["entities"]["label"], strict=True))
    d = c.mentions_over_time(tl, labels=labels, freq="D").to_dict()
    assert "per day" in d["layout"]["title"]["text"]
    colours = {t["name"]: t["marker"]["color"] for t in d["data"]}
    assert set(colours) == {"per:sam-altman (PER)", "org:microsoft (ORG)"}  # type in the legend
    assert len(set(colours.values())) == 2
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
    # two entities of one type: each its own colour (no hatching needed)
    assert len({t["marker"]["color"] for t in d["data"]}) == 2
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
    assert cut == "L'affaire " + "x" * 9 + "…"  # 20 characters, quotes need no escape
    frame = pd.DataFrame({"article_id": ["a1"], "article": ["2023-11-20 · L'" + "é" * 80],
                          "sentiment": [0.2], "n_sentences": [3]})
    ticks = c.sentiment_by_article(frame).to_dict()["layout"]["yaxis"]["ticktext"]
    assert ticks[0].endswith("…") and "L'" in ticks[0]


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
    assert first.startswith("2023-11-20 · L'avenir de ChatGPT")
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


# --- Labels, legends, colours, names, the cloud (#11 item 5, #12 items 9 and 11) ---------------

LONG_ORG = "Organisation des Nations unies pour l'éducation, la science et la culture"


def _top_frame() -> pd.DataFrame:
    rows = [("per:a", "Emmanuel Macron", "PER", 30), ("per:b", "Sam Altman", "PER", 20),
            ("org:a", LONG_ORG, "ORG", 25), ("org:b", "&quot;Gilets jaunes&quot;", "ORG", 9),
            ("loc:a", "Paris", "LOC", 5), ("misc:a", "<a href='https://evil.example'>x</a>",
                                          "MISC", 4)]
    frame = pd.DataFrame(rows, columns=["entity_id", "name", "label", "n_mentions"])
    return frame.assign(n_articles=1)


def test_top_entities_long_names_are_cut_and_the_gap_holds_them():
    d = c.top_entities_bar(_top_frame()).to_dict()
    layout = d["layout"]
    org_ticks = layout["yaxis2"]["ticktext"]  # the right-hand panel
    cut = next(t for t in org_ticks if t.startswith("Organisation"))
    assert cut.endswith("…") and len(cut) <= c.AXIS_LABEL
    # the gap between the columns (on a 720 px figure) is wider than that label (~7.2 px/char)
    gap = layout["xaxis2"]["domain"][0] - layout["xaxis"]["domain"][1]
    assert gap * 720 >= 7.2 * len(cut)
    org = next(t for t in d["data"] if "org:a" in t["customdata"])
    hover = org["hovertext"][org["customdata"].index("org:a")]
    assert LONG_ORG in hover  # the whole name on hover
    # names scraped with entities are shown decoded; markup never reaches plotly as markup
    assert '"Gilets jaunes"' in org_ticks
    [misc] = layout["yaxis4"]["ticktext"]
    assert misc.startswith("&lt;a href='https://evil.example'&gt;") and "<" not in misc


def test_panel_titles_sit_below_the_title_and_legends_beside_the_plot():
    d = c.top_entities_bar(_top_frame()).to_dict()["layout"]
    assert d["title"]["yref"] == "container" and d["title"]["y"] == 1  # pinned to the top
    assert d["margin"]["t"] >= c.TITLE_PX + c.LEGEND_ROW_PX  # room for the panel titles
    frame = c.mentions_bar(pd.DataFrame({
        "article_id": ["a"], "article": ["A"], "label": ["PER"], "n_mentions": [3]}))
    layout = frame.to_dict()["layout"]
    legend = layout["legend"]
    assert legend["orientation"] == "v" and legend["x"] > 1 and legend["yanchor"] == "top"


def _people_timeline(n: int) -> tuple[pd.DataFrame, dict[str, str]]:
    days = pd.date_range("2023-11-17", periods=3, freq="D")
    names = [f"Person {i} " + "with a long name " * (i % 3) for i in range(n)]
    frame = pd.DataFrame([(d, f"per:{i}", name, i % 4) for i, name in enumerate(names)
                          for d in days], columns=["period", "entity_id", "name", "n_mentions"])
    return frame, {f"per:{i}": "PER" for i in range(n)}


def test_timeline_of_six_people_gives_six_colours_and_a_legend_beside_the_plot():
    frame, labels = _people_timeline(6)
    d = c.mentions_over_time(frame, labels=labels, freq="D").to_dict()
    assert len({t["marker"]["color"] for t in d["data"]}) == 6
    legend = d["layout"]["legend"]
    assert legend["orientation"] == "v" and legend["x"] > 1  # right of the plot, not on top
    assert all(len(t["name"]) <= c.LEGEND_LABEL + len(" (PER)") for t in d["data"])


def test_search_trends_count_hits_not_mentions():
    frame, labels = _people_timeline(2)
    assert c.mentions_over_time(frame, labels=labels)["layout"]["yaxis"]["title"]["text"] == (
        "mentions")
    d = c.mentions_over_time(frame, labels=labels, counting="hits").to_dict()
    assert d["layout"]["yaxis"]["title"]["text"] == "hits"


def test_timeline_beyond_ten_entities_adds_a_pattern():
    frame, labels = _people_timeline(12)
    d = c.mentions_over_time(frame, labels=labels, freq="D").to_dict()
    looks = {(t["marker"]["color"], t["marker"]["pattern"]["shape"]) for t in d["data"]}
    assert len(looks) == 12


def test_timeline_legend_and_hover_never_hold_markup():
    frame = pd.DataFrame({"period": pd.to_datetime(["2023-11-17"]), "entity_id": ["per:x"],
                          "name": ["<a href='https://evil.example'>Evil</a> %{y}"],
                          "n_mentions": [2]})
    trace = c.mentions_over_time(frame, labels={"per:x": "PER"}).to_dict()["data"][0]
    assert "<a" not in trace["name"] and trace["name"].startswith("&lt;a href=")
    assert "evil" not in trace["hovertemplate"]  # the name rides in meta, not the template
    assert trace["meta"] == ["&lt;a href='https://evil.example'&gt;Evil&lt;/a&gt; &#37;{y}"]


def test_a_long_title_wraps_and_makes_room():
    short = c.sentiment_over_time(pd.DataFrame(), name="A").to_dict()["layout"]
    long = c.sentiment_over_time(pd.DataFrame(), name="B" * 150).to_dict()["layout"]
    assert "<br>" in long["title"]["text"] and "<br>" not in short["title"]["text"]
    assert long["margin"]["t"] > short["margin"]["t"]


def _zipf(n: int) -> pd.DataFrame:
    terms = [f"terme{i}" + "x" * (i % 7) for i in range(n)]
    return pd.DataFrame({"term": terms, "n": [max(1, 300 // (i + 1)) for i in range(n)],
                         "label": ["PER", "ORG", "LOC", "MISC", ""][0:1] * n})


def test_word_cloud_draws_every_term_with_area_following_the_count():
    frame = _zipf(150)
    d = c.word_cloud(frame).to_dict()
    hover = next(t for t in d["data"] if t["type"] == "scatter")
    assert sorted(hover["customdata"]) == sorted(frame["term"])  # all 150 drawn
    counts = dict(zip(frame["term"], frame["n"], strict=True))
    placed = c.cloud_layout(tuple(sorted(counts.items(), key=lambda kv: -kv[1])), 800, 520)
    # font size ∝ √count (so area ∝ count), above the readable minimum
    ratios = [size / math.sqrt(counts[w]) for w, size, *_ in placed
              if size >= c.CLOUD_MIN_PX + 4]
    assert len(ratios) >= 8 and max(ratios) / min(ratios) < 1.15
    rarest = min(counts.values())
    small = [size for w, size, *_ in placed if counts[w] == rarest]  # at the readable minimum
    assert small and all(c.CLOUD_MIN_PX <= size <= c.CLOUD_MIN_PX + 1 for size in small)
    boxes = [(x, y, x + w, y + h) for _, _, x, y, w, h, _ in placed]
    assert all(b[2] <= 800 and b[3] <= 520 for b in boxes)


def test_word_cloud_takes_names_with_line_breaks_and_entities():
    frame = pd.DataFrame({"term": ["Sam\nAltman", "&quot;Gilets jaunes&quot;", LONG_ORG],
                          "n": [5, 3, 2], "label": ["PER", "MISC", "ORG"]})
    d = c.word_cloud(frame).to_dict()  # PIL cannot anchor multiline text: must not raise
    hover = next(t for t in d["data"] if t["type"] == "scatter")
    assert set(hover["customdata"]) == {"Sam Altman", '"Gilets jaunes"', LONG_ORG}
    assert any(LONG_ORG in h.replace("<br>", " ") for h in hover["hovertext"])  # whole on hover
