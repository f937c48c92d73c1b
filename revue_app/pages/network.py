"""Network: who is mentioned with whom — a graph and a matrix from the same edges, and the
sentences behind any pair."""

from __future__ import annotations

from typing import Literal, cast

import streamlit as st

from revue_app import charts, state
from revue_app import queries as q
from revue_app.data import get_view
from revue_app.filters import url_choice, url_selectbox
from revue_app.vocab import evidence_card
from revue_app.widgets import (
    cooccurrence_ui,
    go_to,
    md_escape,
    no_data,
    page_url,
    selected_ids,
    show_chart,
)

_LAST_CLICK = "_network_last_click"
PAIR_LIMIT = 40

view = get_view()
active = view.filters.active()
st.header("Network")

c1, c2, c3, c4, c5 = st.columns([1.2, 1, 1, 1.4, 1.2])
window, weight = cooccurrence_ui(c1, c2, window_key="window", weight_key="weight",
                                 weight_label="Edge weight")
state.integer("support", default=1, lo=1)
support = int(c3.number_input("Minimum support", min_value=1, step=1, key="support",
                              help="Keep pairs seen together at least this many times."))
state.integer("top", default=30, lo=5, hi=80)
top_n = c4.slider("Entities drawn", 5, 80, key="top",
                  help="The most mentioned entities that have at least one edge.")
colour_by = cast(Literal["type", "sentiment"], c5.segmented_control(
    "Colour", ["type", "sentiment"], key="colour", required=True,
    **url_choice("colour", ["type", "sentiment"], default="type")) or "type")

nodes, drawn, total = view.q(q.network, window=window, weight=weight, min_support=support,
                             top_n=int(top_n))

if drawn.empty:
    no_data(f"pair of entities in the same {window} (with support ≥ {support})",
            [*active, *(["minimum support"] if support > 1 else [])])
    st.stop()

if warning := q.pmi_warning(total, drawn, weight):
    st.warning(warning, icon=":material/warning:")
named_now = min(len(nodes), charts.NET_LABELS)
st.caption(f"{len(nodes)} entities, {len(drawn)} pairs, over {total} {window}s. Names are "
           f"written for up to the {named_now} most mentioned (where they cover nothing); hover "
           "a node for any other. Click a node to open the entity; click a ◆ between two nodes "
           "to read their sentences below.")

named = drawn.assign(name_a=drawn["a"].map(view.name), name_b=drawn["b"].map(view.name))
event = show_chart(
    charts.network_graph(nodes, drawn, weight_name=weight, colour_by=colour_by),
    named[["a", "name_a", "b", "name_b", "n", "n_a", "n_b", "weight"]],
    f"network-{window}-{weight}", key="network_graph", on_select="rerun")
clicked = selected_ids(event)
if clicked and clicked != st.session_state.get(_LAST_CLICK):
    st.session_state[_LAST_CLICK] = clicked
    if "|" in clicked[0]:
        st.session_state["pair"] = clicked[0]
    else:
        go_to("entity", entity=clicked[0])
elif not clicked:
    st.session_state.pop(_LAST_CLICK, None)

show_chart(charts.cooccurrence_heatmap(nodes, drawn, weight_name=weight),
           named[["a", "name_a", "b", "name_b", "n", "weight"]],
           f"cooccurrence-matrix-{window}-{weight}", key="network_heatmap")

# --- The sentences behind a pair --------------------------------------------------------------
st.subheader("Sentences behind a pair")
pair_ids = [f"{a}|{b}" for a, b in zip(drawn["a"], drawn["b"], strict=True)]


def _pair_label(pair: str) -> str:
    a, b = pair.split("|", 1)
    return f"{view.name(a)} — {view.name(b)}"  # no count: labels must not change with filters


pair = url_selectbox("Pair", pair_ids, key="pair", labels=_pair_label,
                     help="Strongest pairs first, by the chosen weight.")
if pair:
    a, b = pair.split("|", 1)
    rows = view.q(q.pair_evidence, a, b, window=window, limit=PAIR_LIMIT)
    if window == "sentence":  # the sentences holding both: the pair's count, already known
        n_rows = int(drawn.loc[(drawn["a"] == a) & (drawn["b"] == b), "n"].sum())
    else:
        n_rows = view.q(q.pair_evidence_count, a, b, window=window)
    where = "sentence" if window == "sentence" else "article (sentences naming either)"
    st.caption(f"{n_rows} sentence(s) where {md_escape(view.name(a))} and "
               f"{md_escape(view.name(b))} share a {where}.")
    blocks = [
        evidence_card(body_html=q.highlight_html(r.sentence, r.spans), day=r.published,
                      title=r.title if isinstance(r.title, str) else r.article_id,
                      href=page_url("articles", article=r.article_id), source=r.source,
                      show_score=False)
        for r in rows.itertuples()]
    if blocks:
        st.html("".join(blocks))
