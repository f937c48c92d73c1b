"""Timeline: mention volume over publication time, and the events dated in the text."""

from __future__ import annotations

import streamlit as st

from revue_app import charts
from revue_app import queries as q
from revue_app.data import get_view, memo
from revue_app.filters import url_multiselect
from revue_app.widgets import go_to, no_data, selected_ids, show_chart, time_step_ui

MAX_ARTICLES = 60
DEFAULT_WHO = 5

view = get_view()
t = view.tables
active = view.filters.active()
st.header("Timeline")

entities = t["entities"]
options = entities["entity_id"].tolist()
if not options:
    no_data("entity", active)
    st.stop()
labels = {e: f"{view.name(e)} ({view.labels.get(e, '?')})" for e in options}
# By default the most mentioned entities, whatever their type, so the chart is never blank
# and shows who the coverage is about (not a place mentioned three times).
who = url_multiselect("Entities", options, key="who", labels=labels,
                      default=q.default_timeline_entities(entities, n=DEFAULT_WHO),
                      placeholder="Choose entities to compare")
freq, freq_name = time_step_ui(q.mention_dates(t["mentions"], t["articles"], who)
                               if who else t["articles"]["published"])

undated = int(t["articles"]["published"].isna().sum())
inferred = int((t["articles"]["date_source"] == "inferred").sum())
notes = []
if inferred:
    notes.append(f"{inferred} article(s) have a publication date inferred from their text")
if undated:
    notes.append(f"{undated} article(s) have no date and are left out of the time axis")
if notes:
    st.caption("; ".join(notes) + ".")

if not who:
    st.info("Choose one or more entities above to see their mentions over time.")
else:
    frame = q.entity_timeline(t["mentions"], t["articles"], who, freq, names=view.names)
    if frame.empty:
        no_data("dated mention of these entities", active)
    else:
        st.caption("Click a bar (or a point) to open that entity.")
        event = show_chart(charts.mentions_over_time(frame, labels=view.labels, freq=freq),
                           frame, f"mentions-per-{freq_name}", key="timeline_mentions",
                           on_select="rerun")
        if clicked := selected_ids(event):
            go_to("entity", entity=clicked[0])

# --- Events -----------------------------------------------------------------------------------
st.subheader("Events dated in the text")
if view.everything["events"].empty:
    st.info("This dataset has no dated events yet: no date expression was found in the text.")
    st.stop()
events = memo(view, q.events_with_entities)
mention_counts = dict(zip(entities["entity_id"], entities["n_mentions"], strict=True))
in_events = sorted({e for ids in events["entity_ids"] for e in ids},
                   key=lambda e: (-mention_counts.get(e, 0), e))
only = url_multiselect("Only events in sentences mentioning", in_events, key="ev",
                       labels=lambda e: labels.get(e, view.name(e)),
                       placeholder="Any entity")
if only:
    wanted = set(only)
    events = events[events["entity_ids"].map(lambda ids: bool(wanted & set(ids)))]
per_article = events["article_id"].value_counts()
if len(per_article) > MAX_ARTICLES:
    st.caption(f"The {MAX_ARTICLES} articles with the most dated events, of {len(per_article)}: "
               "narrow the dates or pick entities to see others. The table has every event.")
    drawn = events[events["article_id"].isin(set(per_article.index[:MAX_ARTICLES]))]
else:
    drawn = events
if events.empty:
    no_data("dated event", [*active, *(["the entity filter above"] if only else [])])
else:
    st.caption("Filled circles: dates written in full; open circles: dates relative to the "
               "publication (\"vendredi\", \"hier\"); red ticks: publication dates. The chart "
               "opens on the busiest month: drag the slider under it (or double-click) to see "
               "the rest. Click an event to read its article.")
    event = show_chart(charts.event_timeline(drawn), drawn, "event-timeline",
                       key="event_timeline", on_select="rerun")
    if clicked := selected_ids(event):
        go_to("articles", article=clicked[0])
    with st.expander(f"The {len(events)} event(s) as a table"):
        st.dataframe(
            events[["date", "granularity", "how", "expression", "sentence", "entities", "title",
                    "published", "date_source"]],
            hide_index=True, width="stretch",
            column_config={"date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
                           "published": st.column_config.DateColumn("published",
                                                                    format="YYYY-MM-DD")})
