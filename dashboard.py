"""Revue dashboard: `streamlit run dashboard.py` (the dataset: env REVUE_DATA, else data/seeds).

Thin entry point: open the dataset (cached per process), draw the shared sidebar, hand the
filtered view to the page the URL names, run it.
"""

from __future__ import annotations

import streamlit as st

from revue_app import queries as q
from revue_app.data import make_view, open_current
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
    st.Page(PAGES["data"], title="Data", icon=":material/database:", url_path="data"),
]
page = st.navigation(pages)

db = open_current()
if db is None:
    st.stop()

facts = cached(db, q.sidebar_facts)
st.sidebar.caption(f"Dataset: `{db.path.name}` · {facts['n_articles']} articles")
engine = db
filters = sidebar_ui(facts, lambda ids: q.article_labels(engine, ids))
image_format_ui()
make_view(db, filters)
page.run()
