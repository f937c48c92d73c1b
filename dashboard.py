"""Revue dashboard: `streamlit run dashboard.py` (the dataset: env REVUE_DATA, else data/seeds).

Thin entry point: read the view state from the URL (`revue_app.state`), open the dataset
(cached per process), draw the shared sidebar, hand the filtered view to the page the URL
names, run it.
"""

from __future__ import annotations

import streamlit as st

from revue_app import hosting, state
from revue_app import queries as q
from revue_app.curate import moved_entities
from revue_app.data import UPLOADS, make_view, open_current
from revue_app.engine import cached
from revue_app.filters import image_format_ui, sidebar_ui
from revue_app.widgets import PAGES

st.set_page_config(layout="wide", page_title="Revue", page_icon="📰")

pages = [
    st.Page(PAGES["overview"], title="Overview", icon=":material/dashboard:", url_path="overview",
            default=True),
    st.Page(PAGES["entity"], title="Entity", icon=":material/person_search:", url_path="entity"),
    st.Page(PAGES["network"], title="Network", icon=":material/hub:", url_path="network"),
    st.Page(PAGES["timeline"], title="Timeline", icon=":material/timeline:", url_path="timeline"),
    st.Page(PAGES["articles"], title="Articles", icon=":material/article:", url_path="articles"),
    st.Page(PAGES["search"], title="Search", icon=":material/search:", url_path="search"),
    st.Page(PAGES["compare"], title="Compare", icon=":material/compare_arrows:",
            url_path="compare"),
    st.Page(PAGES["data"], title="Data", icon=":material/database:", url_path="data"),
]
page = st.navigation(pages)
hosting.password_gate()
state.begin(page.url_path)

db = open_current()
if db is None:
    st.stop()
state.on_dataset(str(db.path), found=db.path.name if db.path.parent == UPLOADS else None)
state.follow_moves(cached(db, moved_entities), cached(db, q.entity_directory)["entity_id"])
state.show_notices()

facts = cached(db, q.sidebar_facts)
st.sidebar.caption(f"Dataset: `{db.path.name}` · {facts['n_articles']} articles")
engine = db
filters = sidebar_ui(facts, lambda ids: q.article_labels(engine, ids))
image_format_ui()
make_view(db, filters)
page.run()
