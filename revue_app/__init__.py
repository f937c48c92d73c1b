"""Revue dashboard: a Streamlit multipage app over the tables the pipeline writes.

Layers, each importable on its own: `queries` and `charts` are pure (no Streamlit) and tested on
hand-built frames; `data`, `filters` and `widgets` hold the Streamlit glue; `pages/` read like the
page looks.
"""
