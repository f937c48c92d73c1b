"""Articles: read one article with its entities highlighted by type, and what was found in it."""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from revue_app import charts, search, state
from revue_app import queries as q
from revue_app.data import get_view
from revue_app.filters import url_selectbox
from revue_app.vocab import legend_html
from revue_app.widgets import md_escape, metric_row, no_data, page_url, table_or_caption

MAX_OPTIONS = 1000

view = get_view()
db = view.db
st.header("Articles")

listed, n_listed = view.q(q.view_articles, limit=MAX_OPTIONS)
options = listed["article_id"].tolist()
labels = dict(zip(listed["article_id"], listed["label"], strict=True))
requested = state.param("article")
in_view = set(options)
if requested and requested not in in_view:
    # a shared link still opens, even if the filters hide it (or it is not among those listed)
    asked = view.whole(q.article_labels, (requested,))
    if requested in asked:
        options.append(requested)
        labels.update(asked)
if not options:
    no_data("article", view.filters.active())
    st.stop()
if n_listed > MAX_OPTIONS:
    st.caption(f"The {MAX_OPTIONS} most recent of the {n_listed} articles in the view: narrow "
               "the filters, or open an article from another page, to reach the others.")
article_id = url_selectbox("Article", options, key="article", labels=labels,
                           help="Articles in the current view, by publication date.")
if article_id is None:
    st.stop()
if article_id not in in_view and not view.q(q.in_view, article_id):
    st.info("This article is outside the current filters; it is shown in full anyway.")

# The reader shows the whole article, whatever the filters: read from the unfiltered tables.
one = view.whole(q.article, article_id)
if one is None:
    st.stop()
title = one["title"] if pd.notna(one["title"]) else one["origin"]
st.subheader(md_escape(title))

day = "no date" if pd.isna(one["published"]) else f"{one['published']:%Y-%m-%d}"
how = {"metadata": "from metadata", "inferred": "inferred from the text",
       "unknown": "unknown"}.get(str(one["date_source"]), str(one["date_source"]))
source = one["source"] if pd.notna(one["source"]) else q.UNKNOWN_SOURCE
meta = [f"**{md_escape(source)}**", f"{day} ({how})", f"language {md_escape(one['language'])}",
        f"{int(one['n_words'])} words"]
if pd.notna(one["url"]) and str(one["url"]).startswith(("http://", "https://")):
    meta.append(f"[original]({quote(str(one['url']), safe=':/?#@!$&*+,;=%~')})")
st.markdown(" · ".join(meta))
st.caption(f"Origin: {md_escape(one['origin'])} · id {md_escape(article_id)}")

mine = view.whole(q.article_entities, article_id)
sentences = view.whole(q.article_table, "sentences", article_id)
metric_row({
    "Sentences": len(sentences), "Mentions": int(mine["mentions"].sum()),
    "Entities": len(mine),
    "Sentiment": "—" if pd.isna(one["sentiment"]) else f"{one['sentiment']:+.2f}",
})

legend = legend_html()
st.html(f'<div style="margin:4px 0 8px 0">{legend}</div>')

text_tab, entities_tab, sentences_tab, found_tab = st.tabs(
    ["Text", "Entities", "Sentences and sentiment", "Quotes and events"])
with text_tab:
    text = str(one["text"])
    spans = view.whole(q.article_spans, article_id)
    searched = search.parse(view.filters.search)
    found = search.hits(searched, text)
    if found:  # the search's hits first, in their own colour; entity marks elsewhere
        st.caption(f"{len(found)} hit(s) of the search “{searched.describe()}” marked in yellow.")
        spans = [(a, b, "search", "search hit") for a, b in found] + [
            s for s in spans if not any(s[0] < b and a < s[1] for a, b in found)]
    body = q.highlight_html(text, spans, colours={**charts.TYPE_COLOURS, "search": "#E8B100"})
    st.html(f'<div style="white-space:pre-wrap;line-height:1.7;font-size:1.05em;'
            f'max-width:60em">{body}</div>')
    if pd.notna(one["boilerplate"]) and str(one["boilerplate"]).strip():
        with st.expander("Page furniture removed from the text"):
            st.text(str(one["boilerplate"]))

with entities_tab:
    if mine.empty:
        st.info("No entity was found in this article.")
    else:
        table = mine.assign(profile=[page_url("entity", entity=e) for e in mine["entity_id"]])
        st.dataframe(table[["name", "type", "mentions", "written_as", "profile"]],
                     hide_index=True, width="stretch",
                     column_config={"profile": st.column_config.LinkColumn(
                         "profile", display_text="open")})

with sentences_tab:
    scored = sentences
    if scored.empty:
        st.info("No sentence.")
    else:
        st.dataframe(scored[["sentence_id", "text", "sentiment", "sentiment_terms"]],
                     hide_index=True, width="stretch",
                     column_config={"sentiment": st.column_config.NumberColumn(format="%+.2f"),
                                    "text": st.column_config.TextColumn("sentence",
                                                                        width="large")})

with found_tab:
    quotes = view.whole(q.article_table, "quotes", article_id)
    st.markdown("**Quotes**")
    if not view.whole(q.has_rows, "quotes"):
        st.info("This dataset has no quotes yet.")
    else:
        table_or_caption(quotes, ["quote", "speaker", "cue"],
                         empty="No quote found in this article.")
    events = view.whole(q.article_table, "events", article_id)
    st.markdown("**Dated events**")
    if not view.whole(q.has_rows, "events"):
        st.info("This dataset has no dated events yet.")
    else:
        table_or_caption(
            events, ["expression", "date", "granularity", "how"],
            empty="No date expression in this article.",
            column_config={"date": st.column_config.DateColumn(format="YYYY-MM-DD")})
