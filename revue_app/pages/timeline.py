"""Timeline: mention volume over publication time, and the events dated in the text."""

from __future__ import annotations

import streamlit as st

from revue_app import charts, explore, search, state
from revue_app import queries as q
from revue_app.data import get_view
from revue_app.filters import url_multiselect
from revue_app.widgets import go_to, no_data, selected_ids, show_chart, time_step_ui

MAX_ARTICLES = 60
MAX_TABLE = 1000
DEFAULT_WHO = 5

view = get_view()
active = view.filters.active()
st.header("Timeline")

entities = view.q(q.view_entities)
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
freq, freq_name = time_step_ui(view.q(q.mention_dates, tuple(who) if who else None))

facts = view.q(q.date_facts)
undated, inferred = facts["undated"], facts["inferred"]
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
    frame = view.q(q.entity_timeline, tuple(who), freq,
                   names={e: view.name(e) for e in who})
    if frame.empty:
        no_data("dated mention of these entities", active)
    else:
        st.caption("Click a bar (or a point) to open that entity.")
        event = show_chart(charts.mentions_over_time(frame, labels=view.labels, freq=freq),
                           frame, f"mentions-per-{freq_name}", key="timeline_mentions",
                           on_select="rerun")
        if clicked := selected_ids(event):
            go_to("entity", entity=clicked[0])

# --- Words ------------------------------------------------------------------------------------
st.subheader("Words over time")
state.text("terms")
typed = st.text_input("Words to follow, separated by commas", key="terms",
                      placeholder='e.g. grève, manif*, "gilets jaunes" OR gilets',
                      help="Each item is a search (words, \"phrases\", prefix*, OR): its hits "
                           "per period in the view, beside the entities above.")
terms = tuple(t.strip() for t in typed.split(",") if search.parse(t.strip()))
if terms:
    trend = view.q(explore.term_trends, terms, freq)
    show_chart(charts.mentions_over_time(trend, freq=freq, counting="hits",
                                         title=f"Hits per {freq_name} (by publication date)"),
               trend, f"words-per-{freq_name}", key="timeline_words")

# --- Events -----------------------------------------------------------------------------------
st.subheader("Events dated in the text")
if not view.whole(q.has_rows, "events"):
    st.info("This dataset has no dated events yet: no date expression was found in the text.")
    st.stop()
in_events = view.q(q.event_entities)
chosen = url_multiselect("Only events in sentences mentioning", in_events, key="ev",
                       labels=lambda e: labels.get(e, view.name(e)),
                       placeholder="Any entity")
only = tuple(chosen)
n_events, n_event_articles = view.q(q.event_counts, only=only)
drawn = view.q(q.events_with_entities, only=only, max_articles=MAX_ARTICLES)
if n_event_articles > MAX_ARTICLES:
    st.caption(f"The {MAX_ARTICLES} articles with the most dated events, of "
               f"{n_event_articles}: narrow the dates or pick entities to see others. "
               f"The table has {'every event' if n_events <= MAX_TABLE else 'the first ones'}.")
if not n_events:
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
    events = view.q(q.events_with_entities, only=only, limit=MAX_TABLE)
    shown = f"The {n_events} event(s)" if n_events <= MAX_TABLE else \
        f"The first {MAX_TABLE} of {n_events} events, by date,"
    with st.expander(f"{shown} as a table"):
        st.dataframe(
            events[["date", "granularity", "how", "expression", "sentence", "entities", "title",
                    "published", "date_source"]],
            hide_index=True, width="stretch",
            column_config={"date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
                           "published": st.column_config.DateColumn("published",
                                                                    format="YYYY-MM-DD")})
