"""Overview: the corpus at a glance — counts, who is mentioned most, where, words, sentiment."""

from __future__ import annotations

from typing import Literal, cast

import streamlit as st

from revue_app import charts, state
from revue_app import queries as q
from revue_app.data import get_view
from revue_app.filters import url_choice
from revue_app.vocab import fmt_span, report_entries
from revue_app.widgets import go_to, md_escape, metric_row, no_data, selected_ids, show_chart

MAX_ARTICLES = 40

view = get_view()
active = view.filters.active()

st.header("Overview")
counts = view.q(q.corpus_counts)
span = fmt_span(counts["first"], counts["last"])
metric_row({
    "Articles": counts["articles"], "Sentences": counts["sentences"],
    "Mentions": counts["mentions"], "Entities": counts["entities"], "Published": span,
})
if counts["undated"]:
    st.caption(f"{counts['undated']} article(s) without a publication date.")
if view.problems:
    with st.expander(f"⚠️ {len(view.problems)} curation line(s) could not be applied"):
        for problem in view.problems:
            st.markdown(f"- {md_escape(problem)}")

if not counts["articles"]:
    no_data("article", active)
    st.stop()

# --- Who is mentioned most ------------------------------------------------------------------
st.subheader("Most mentioned entities")
state.integer("per_type", default=10, lo=3, hi=30)
per_type = st.slider("Entities per type", 3, 30, key="per_type")
top = view.q(q.top_entities, n=per_type)
if top.empty:
    no_data("entity", active)
else:
    st.caption("Click a bar to open that entity.")
    event = show_chart(charts.top_entities_bar(top), top, "top-entities-by-type",
                       key="top_entities", on_select="rerun")
    if clicked := selected_ids(event):
        go_to("entity", entity=clicked[0])

# --- Where ------------------------------------------------------------------------------------
st.subheader("Mentions per article or source")
by = cast(Literal["article", "source"], st.segmented_control(
    "Count by", ["article", "source"], key="by", required=True,
    **url_choice("by", ["article", "source"], default="article")) or "article")
if by == "article":
    frame, n_with_mentions = view.q(q.mention_counts_by_article, limit=MAX_ARTICLES)
    if n_with_mentions > MAX_ARTICLES:
        st.caption(f"The {MAX_ARTICLES} articles with the most mentions, of "
                   f"{n_with_mentions}.")
else:
    frame = view.q(q.mention_counts_by_source)
if frame.empty:
    no_data("mention", active)
else:
    if by == "article":
        st.caption("Click a bar to read the article.")
    event = show_chart(charts.mentions_bar(frame, by=by), frame, f"mentions-per-{by}",
                       key="mentions_by", on_select="rerun" if by == "article" else "ignore")
    if by == "article" and (clicked := selected_ids(event)):
        go_to("articles", article=clicked[0])

# --- Words and tone ---------------------------------------------------------------------------
left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Word cloud")
    mode = st.segmented_control("Words from", ["entities", "words"], key="cloud",
                                required=True,
                                **url_choice("cloud", ["entities", "words"], default="entities"),
                                help="Entity names (coloured by type), or the content words "
                                     "of the sentences") or "entities"
    words = view.q(q.word_frequencies, mode=mode)
    if mode == "words" and (note := view.q(q.word_sample_note)):
        st.caption(note)
    if words.empty:
        no_data("word", active)
    else:
        what = "entity names, coloured by type" if mode == "entities" else "content words"
        show_chart(charts.word_cloud(words, title=f"Most frequent {what} (size = frequency)"),
                   words, f"word-cloud-{mode}", key="word_cloud")

with right:
    st.subheader("Sentiment of articles")
    scored = view.q(q.article_sentiments)
    if scored["sentiment"].notna().any():
        show_chart(charts.sentiment_histogram(scored), scored, "article-sentiment",
                   key="article_sentiment")
        st.caption("Lexicon score of each article (mean of its sentences), from −1 (negative) "
                   "to +1 (positive). The Entity and Articles pages show the words behind it.")
    else:
        st.info("No article has a sentiment score in this dataset.")

# --- Build report -----------------------------------------------------------------------------
report = view.db.report
st.subheader("Build report")
built = view.manifest.get("built_at", "unknown time")
if report.empty:
    st.success(f"Every input was read (built {built}).", icon=":material/check_circle:")
else:
    st.warning(f"{report_entries(len(report))} when the dataset was built ({built}).",
               icon=":material/report:")
    with st.expander("The build report: what and why"):
        st.dataframe(report, hide_index=True, width="stretch")
