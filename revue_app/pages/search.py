"""Search: every hit of the sidebar's search in context (KWIC), the articles by hit count, and
the trend of the terms over time."""

from __future__ import annotations

import streamlit as st

from revue_app import charts, explore, search
from revue_app.data import get_view
from revue_app.widgets import csv_bytes, metric_row, page_url, show_chart, time_step_ui

KWIC_SENTENCES = 500

view = get_view()
st.header("Search")
query = search.parse(view.filters.search)
if not query:
    st.info('Type in the sidebar\'s **Search** box: words (case and accents ignored), '
            '"a phrase" in quotes, `manif*` for any ending, `A OR B` for either. The search '
            "then filters every page; here you read each hit in its context.",
            icon=":material/search:")
    st.stop()

st.caption(f"Searching for: {query.describe()}")
counts = view.q(explore.search_counts)
metric_row({"Hits": counts["hits"], "Sentences": counts["sentences"],
            "Articles": counts["articles"]})
if not counts["hits"]:
    st.info("Nothing matches in the current view: try other words, or relax the other filters.",
            icon=":material/filter_alt_off:")
    st.stop()

kwic_tab, articles_tab = st.tabs(["In context", "Articles"])
with kwic_tab:
    rows = view.q(explore.kwic_rows, limit=KWIC_SENTENCES)
    if counts["sentences"] > KWIC_SENTENCES:
        st.caption(f"The hits of the first {KWIC_SENTENCES} matching sentences (by date), of "
                   f"{counts['sentences']}; narrow the filters to see the others.")
    st.caption("Click a column header to sort (sort by “right” to group what follows the "
               "hit); “open” shows the article with the hits highlighted.")
    table = rows.assign(article=[page_url("articles", article=a) for a in rows["article_id"]])
    st.dataframe(
        table[["left", "hit", "right", "published", "title", "source", "article"]],
        hide_index=True, width="stretch", key="kwic",
        column_config={
            "left": st.column_config.TextColumn("left context", width="large",
                                                alignment="right"),
            "hit": st.column_config.TextColumn("hit"),
            "right": st.column_config.TextColumn("right context", width="large"),
            "published": st.column_config.DateColumn("published", format="YYYY-MM-DD"),
            "article": st.column_config.LinkColumn("article", display_text="open"),
        })
    st.download_button("CSV of these hits", data=lambda: csv_bytes(rows),
                       file_name="search-hits.csv", mime="text/csv", key="kwic_csv",
                       on_click="ignore", icon=":material/table:")

with articles_tab:
    found = view.q(explore.article_hits)
    table = found.assign(article=[page_url("articles", article=a) for a in found["article_id"]])
    st.dataframe(
        table[["hits", "sentences", "published", "title", "source", "article"]],
        hide_index=True, width="stretch", key="search_articles",
        column_config={
            "published": st.column_config.DateColumn("published", format="YYYY-MM-DD"),
            "article": st.column_config.LinkColumn("article", display_text="open"),
        })

st.subheader("Over time")
terms = [" OR ".join(t.pattern_text() for t in clause) for clause in query.clauses]
dates = view.q(explore.kwic_rows, limit=KWIC_SENTENCES)["published"].dropna()
freq, freq_name = time_step_ui(dates)
trend = view.q(explore.term_trends, tuple(terms), freq)
show_chart(charts.mentions_over_time(trend, freq=freq, counting="hits",
                                     title=f"Hits per {freq_name} (by publication date)"),
           trend, f"search-trend-{freq_name}", key="search_trend")
