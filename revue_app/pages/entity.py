"""Entity: one entity's profile — when, with whom, how portrayed (with the evidence), aliases."""

from __future__ import annotations

from typing import cast

import pandas as pd
import streamlit as st

from revue_app import charts, curate, state
from revue_app import queries as q
from revue_app.data import get_view
from revue_app.filters import url_choice, url_selectbox
from revue_app.vocab import TYPE_NAMES, evidence_card, sentiment_word
from revue_app.widgets import (
    cooccurrence_ui,
    csv_bytes,
    go_to,
    md_escape,
    metric_row,
    no_data,
    page_url,
    selected_ids,
    show_chart,
    table_or_caption,
    time_step_ui,
)

EVIDENCE_LIMIT = 60
MAX_ARTICLES = 40
QUOTES_LIMIT = 200
DAY = {"published": st.column_config.DateColumn("published", format="YYYY-MM-DD")}

view = get_view()
active = view.filters.active()
st.header("Entity")

entities = view.q(q.view_entities)
options = entities["entity_id"].tolist()
requested = state.param("entity")
if requested and requested not in options and requested in view.names:
    options.append(requested)  # a shared link still opens, even if the filters hide it
if not options:
    no_data("entity", active)
    st.stop()


def _label(entity_id: str) -> str:
    # No count in the label: the browser sends a selectbox's choice back as its label, so a
    # label that changes with the filters would lose the choice (#11: dates switched entity).
    return f"{view.name(entity_id)} · {view.labels.get(entity_id, '?')}"


entity = url_selectbox("Entity (type to search)", options, key="entity", labels=_label,
                       help="Entities in the current view, most mentioned first.")
if entity is None:
    st.stop()
name = view.name(entity)
label = view.labels.get(entity, "?")
st.subheader(md_escape(name))
st.caption(f"{md_escape(entity)} · {TYPE_NAMES.get(label, md_escape(label))}")

info = view.q(q.entity_info, entity)
if info is None:
    no_data(f"mention of {name}", active)
    st.stop()
metric_row({
    "Mentions": int(info["n_mentions"]),
    "Articles": int(info["n_articles"]),
    "Mean sentiment": "—" if pd.isna(info["sentiment"]) else f"{info['sentiment']:+.2f}",
    "Portrayal": sentiment_word(info["sentiment"]),
})

aliases = view.whole(q.aliases_of, entity)
with st.expander(f"Names merged into {md_escape(name)} ({len(aliases)} form(s))"):
    if aliases.empty:
        st.write("No alias recorded.")
    else:
        st.dataframe(aliases[["surface", "n_mentions", "rule"]], hide_index=True,
                     column_config={"surface": "written as", "n_mentions": "mentions",
                                    "rule": "why merged"})
with st.expander("Correct this entity", icon=":material/edit:"):
    directory = view.whole(curate.curation_entities)
    all_aliases = view.whole(curate.all_aliases)
    curate.entity_panel(view.path, entity, dict(view.names), dict(view.labels), directory,
                        aliases)
    st.markdown("**Suggested merges** (whole dataset)")
    curate.suggestions_panel(view.path, view.stamp, directory, all_aliases)
    st.markdown("**Corrections in force** (newest first)")
    curate.undo_panel(view.path)

# --- When -------------------------------------------------------------------------------------
freq, freq_name = time_step_ui(view.q(q.mention_dates, (entity,)))
timeline = view.q(q.entity_timeline, (entity,), freq, names={entity: name})
if timeline.empty:
    st.info(f"No dated article mentions {md_escape(name)} in the current view.")
else:
    show_chart(charts.mentions_over_time(timeline, labels=view.labels, freq=freq,
                                         title=f"Mentions of {name} per {freq_name}"),
               timeline, f"mentions-over-time-{entity}", key="entity_timeline")

# --- With whom --------------------------------------------------------------------------------
st.subheader("Mentioned with")
c1, c2 = st.columns(2)
window, weight = cooccurrence_ui(c1, c2, window_key="with", weight_key="rank",
                                 weight_label="Rank by")
partners = view.q(q.co_mentioned, entity, window=window, weight=weight,
                  n_total=view.q(q.n_units, window))
if partners.empty:
    st.info(f"{md_escape(name)} is never mentioned with another entity in the same {window} "
            "here.")
else:
    top_partners = partners.head(15)
    st.caption("Click a bar to open that entity.")
    event = show_chart(
        charts.entity_bar(top_partners, value="weight", value_label=weight,
                          title=f"Entities mentioned with {name} in the same {window} "
                                f"(ranked by {weight})"),
        partners, f"co-mentioned-{entity}-{window}-{weight}", key="co_mentioned",
        on_select="rerun")
    if (clicked := selected_ids(event)) and clicked[0] != entity:
        go_to("entity", entity=clicked[0])

# --- How portrayed ----------------------------------------------------------------------------
st.subheader("Sentiment")
trend = view.q(q.entity_sentiment_timeline, entity, freq)
show_chart(charts.sentiment_over_time(trend, name=name, freq=freq), trend,
           f"sentiment-over-time-{entity}", key="entity_sentiment_time")
per_article = view.q(q.entity_sentiment_by_article, entity)
if len(per_article) > MAX_ARTICLES:
    st.caption(f"The {MAX_ARTICLES} articles with the most sentences about {md_escape(name)}, of "
               f"{len(per_article)}; the CSV has them all.")
    drawn_articles = per_article.nlargest(MAX_ARTICLES, "n_sentences").sort_values("published")
else:
    drawn_articles = per_article
st.caption("Click a bar to read the article.")
event = show_chart(charts.sentiment_by_article(drawn_articles, name=name), per_article,
                   f"sentiment-by-article-{entity}", key="entity_sentiment_article",
                   on_select="rerun")
if clicked := selected_ids(event):
    go_to("articles", article=clicked[0])

# --- Quotes -----------------------------------------------------------------------------------
st.subheader("Quotes")
said, about = view.q(q.quotes_for, entity, limit=QUOTES_LIMIT)
if not view.whole(q.has_rows, "quotes"):
    st.info("This dataset has no quotes yet (the quote extractor found none).")
else:
    qa, qb = st.columns(2, gap="large")
    with qa:
        st.markdown(f"**Said by {md_escape(name)}** ({len(said)})")
        table_or_caption(said, ["published", "quote", "cue", "title"], column_config=DAY,
                         empty="No quote attributed to this entity.")
    with qb:
        st.markdown(f"**In sentences about {md_escape(name)}** ({len(about)})")
        table_or_caption(about, ["published", "quote", "speaker", "title"], column_config=DAY,
                         empty="No quote in the sentences that mention it.")

# --- Evidence ---------------------------------------------------------------------------------
st.subheader("Every sentence mentioning it")
ORDERS = ["date", "most negative", "most positive"]
order = cast(q.Order, st.segmented_control(
    "Order", ORDERS, key="sort", required=True,
    **url_choice("sort", ORDERS, default="date")) or "date")
rows = view.q(q.evidence, entity, order=order, limit=EVIDENCE_LIMIT)
n_rows = view.q(q.evidence_count, entity)
db, filters, chosen = view.db, view.filters, str(entity)
st.download_button("CSV of these sentences",
                   data=lambda: csv_bytes(q.evidence(db, filters, chosen, order=order)),
                   file_name=f"sentences-{entity.replace(':', '-')}.csv", mime="text/csv",
                   key="evidence_csv", on_click="ignore", icon=":material/table:")
if rows.empty:
    no_data(f"sentence mentioning {name}", active)
else:
    if n_rows > EVIDENCE_LIMIT:
        st.caption(f"Showing {EVIDENCE_LIMIT} of {n_rows} sentences; the CSV has them all.")
    blocks = [
        evidence_card(body_html=q.highlight_html(r.sentence, r.spans, emphasis=[name]),
                      day=r.published, title=r.title if pd.notna(r.title) else r.article_id,
                      href=page_url("articles", article=r.article_id), source=r.source,
                      score=r.sentiment, terms=r.sentiment_terms)
        for r in rows.itertuples()]
    st.html("".join(blocks))
