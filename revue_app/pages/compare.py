"""Compare: how much attention each source gives to an entity or a word, normalised by how much
it publishes (Media Cloud's "attention"), and one entity side by side across sources."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from revue_app import explore, state
from revue_app import queries as q
from revue_app.data import get_view
from revue_app.filters import url_choice, url_selectbox
from revue_app.widgets import no_data, show_chart, time_step_ui

view = get_view()
active = view.filters.active()
st.header("Compare")

entities = view.q(q.view_entities, limit=2000)
options = entities["entity_id"].tolist()
if not options:
    no_data("entity", active)
    st.stop()
entity = url_selectbox("Entity (type to search)", options, key="cmp_entity",
                       labels=lambda e: f"{view.name(e)} · {view.labels.get(e, '?')}",
                       help="Entities in the view, most mentioned first.")
if entity is None:
    st.stop()
name = view.name(entity)

# --- Attention --------------------------------------------------------------------------------
st.subheader("Attention per source")
c1, c2 = st.columns([2, 1])
state.text("cmp_words")
words = c1.text_input("…or words instead of the entity", key="cmp_words",
                      placeholder='e.g. grève OR "gilets jaunes"',
                      help="The same search language as the sidebar's Search box.").strip()
UNITS = ["articles", "mentions"]
unit = c2.segmented_control("Share of", UNITS, key="cmp_unit", required=True,
                            **url_choice("cmp_unit", UNITS, default="articles"),
                            help="articles: the share of a source's articles that name it; "
                                 "mentions: its share of all the source's entity mentions "
                                 "(sentences, for words).") or "articles"
what = words or entity
label = f"“{words}”" if words else name
dates = view.q(q.mention_dates, (entity,))
freq, freq_name = time_step_ui(dates)
frame = view.q(explore.attention, what=what, freq=freq, unit=unit)
if frame.empty:
    no_data(f"dated article about {label}", active)
else:
    per = "sentences" if words and unit == "mentions" else unit
    fig = go.Figure()
    for source, part in frame.groupby("source", sort=True):
        fig.add_trace(go.Scatter(
            x=part["period"], y=part["share"] * 100, mode="lines+markers", name=str(source),
            customdata=part[["matching", "total"]].to_numpy(),
            hovertemplate=f"%{{x|%Y-%m-%d}}<br>%{{y:.1f}}% of its {per}"
                          "<br>(%{customdata[0]} of %{customdata[1]})<extra>%{fullData.name}"
                          "</extra>"))
    fig.update_layout(
        title=f"Share of each source's {per} about {label}, per {freq_name}",
        yaxis_title=f"% of the source's {per}", yaxis_range=[0, 105], xaxis_title=None,
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2}, margin={"t": 60})
    show_chart(fig, frame, f"attention-{freq_name}-{unit}", key="attention")
    st.caption("Normalised by volume: a source that publishes twice as much does not look "
               "twice as interested. Hover a point for the counts behind it.")

# --- Side by side -----------------------------------------------------------------------------
st.subheader(f"{name} across sources")
table = view.q(explore.entity_by_source, entity)
if table.empty:
    no_data(f"article about {name}", active)
else:
    st.dataframe(table, hide_index=True, width="stretch", key="by_source", column_config={
        "articles": st.column_config.NumberColumn("articles in view"),
        "articles_naming": st.column_config.NumberColumn(f"naming {name}"),
        "share": st.column_config.ProgressColumn("share of articles", format="percent",
                                                 min_value=0.0, max_value=1.0),
        "mentions": st.column_config.NumberColumn("mentions"),
        "sentiment": st.column_config.NumberColumn("mean sentiment", format="%+.2f",
                                                   help="Of the sentences naming it."),
        "co_mentioned": st.column_config.TextColumn("most mentioned with (same sentence)",
                                                    width="large"),
    })
