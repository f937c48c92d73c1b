"""Data: download every table and the build report; build a dataset from an upload."""

from __future__ import annotations

import io
import shutil
from functools import partial

import pandas as pd
import streamlit as st

from pipeline import store
from revue_app import queries as q
from revue_app import state, uploads
from revue_app.data import UPLOADS, get_view, spacy_model, upload_dir
from revue_app.filters import url_choice
from revue_app.vocab import report_entries
from revue_app.widgets import csv_bytes, md_escape, metric_row

TABLES = ("articles", "sentences", "mentions", "entities", "aliases", "events", "quotes")
UPLOAD_TYPES = ["zip", "txt", "md", "html", "htm", "csv", "tsv", "jsonl", "parquet"]

view = get_view()
st.header("Data")

manifest = view.manifest
st.markdown(f"Dataset **`{view.path.name}`** · built {manifest.get('built_at', '?')} in "
            f"{manifest.get('seconds', '?')} s · models "
            + (", ".join(f"`{m}`" for m in (manifest.get("models") or {}).values()) or "none"),
            help=f"Stored at `{view.path}`")

# --- Downloads --------------------------------------------------------------------------------
st.subheader("Download the tables")
scope = st.segmented_control("Rows", ["filtered", "all"], key="scope",
                             required=True, **url_choice("scope", ["filtered", "all"],
                                                         default="filtered"),
                             help="filtered: what the sidebar filters keep; all: the whole "
                                  "dataset.") or "filtered"
chosen = view.filters if scope == "filtered" else None
counts = view.whole(q.table_counts, chosen)
metric_row({name: counts[name] for name in TABLES})


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _export(name: str, as_parquet: bool) -> bytes:
    """Build a download only when it is clicked (a whole table can be large)."""
    frame = q.export_table(view.db, chosen, name)
    return _parquet(frame) if as_parquet else csv_bytes(frame)


for name in TABLES:
    row = st.container(horizontal=True, vertical_alignment="center", key=f"dl-{name}")
    row.markdown(f"**{name}** — {counts[name]} rows")
    stem = f"{view.path.name}-{name}-{scope}"
    row.download_button("CSV", data=partial(_export, name, False), file_name=f"{stem}.csv",
                        mime="text/csv", key=f"csv-{name}", on_click="ignore",
                        icon=":material/table:")
    row.download_button("Parquet", data=partial(_export, name, True),
                        file_name=f"{stem}.parquet", mime="application/vnd.apache.parquet",
                        key=f"parquet-{name}", on_click="ignore", icon=":material/database:")
    if not counts[name] and name in ("events", "quotes"):
        row.caption(f"(no {name} in this {'view' if scope == 'filtered' else 'dataset'} yet)")

# --- Build report -----------------------------------------------------------------------------
st.subheader("Build report")
report = view.db.report
if report.empty:
    st.success("Every input was read: nothing was skipped.")
else:
    st.write(f"{report_entries(len(report))}:")
    st.dataframe(report, hide_index=True, width="stretch")
st.download_button("Build report (CSV)", data=lambda: csv_bytes(report),
                   file_name=f"{view.path.name}-report.csv", mime="text/csv", key="csv-report",
                   on_click="ignore", icon=":material/report:")
if view.problems:
    st.warning("Curation lines that could not be applied:\n\n"
               + "\n".join(f"- {md_escape(p)}" for p in view.problems))

# --- Upload -----------------------------------------------------------------------------------
st.subheader("Build a dataset from your own articles")
cap = uploads.max_upload_bytes()
st.write("Upload a .zip of articles, text/Markdown/HTML files, or a table (CSV, JSONL, Parquet) "
         "with one article per row (`text` column, optional `title`, `published`, `source`, "
         "`url`). A `metadata.csv` (`file,title,source,published,url`) fills in the files' "
         "metadata. The dataset is built on this machine; nothing leaves it. "
         f"Files over {uploads.size_text(cap)} are skipped and listed in the build report.")
names = uploads.existing(UPLOADS)

with st.form("upload", clear_on_submit=False, border=True):
    files = st.file_uploader("Articles", type=UPLOAD_TYPES, accept_multiple_files=True,
                             key="upload_files")
    name = st.text_input("Dataset name", placeholder="e.g. openai-crisis", key="upload_name",
                         help="Letters, digits, '-', '_' and '.'. A name already taken is "
                              "refused unless you tick “Replace it”.")
    replace = st.checkbox("Replace it if a dataset of that name exists", key="upload_replace",
                          help="Rebuilds that dataset from this upload (its curation is kept).")
    submitted = st.form_submit_button("Build dataset", icon=":material/build:")

if submitted:
    target = upload_dir(name.strip()) if name.strip() else None
    if not files:
        st.error("Choose at least one file to upload.")
    elif target is None:
        st.error("Give the dataset a name made of letters, digits, '-', '_' or '.'.")
    else:
        from pipeline.build import BuildError, build

        staged = None
        try:
            with uploads.claim(target, replace=replace):
                staged = uploads.stage(files)
                if not staged.written:
                    raise uploads.UploadError(
                        "No file could be used: "
                        + "; ".join(f"{n}: {why}" for n, why in staged.skipped))
                bar = st.progress(0.0, text="Reading the articles…")

                def progress(done: int, total: int) -> None:
                    bar.progress(done / total if total else 1.0,
                                 text=f"Annotating: {done} of {total} article(s)")

                try:
                    models = {"fr": spacy_model("fr")}
                except Exception:  # build() reports articles it cannot annotate
                    models = {}
                result = build([staged.folder], target, loaded_models=models,
                               progress=progress)
                uploads.add_to_report(target, staged.skipped)
        except uploads.UploadError as error:
            st.error(str(error))
        except (BuildError, store.DatasetError, OSError, ValueError) as error:
            st.error(f"The dataset could not be built: {error}")
        else:
            counts = result.manifest.get("counts", {})
            state.notice(f"Built “{target.name}”: {counts.get('articles', 0)} article(s), "
                         f"{report_entries(int(counts.get('report', 0)) + len(staged.skipped))}, "
                         f"in {result.seconds:.0f} s.")
            state.set_dataset(target.name)
            st.rerun()
        finally:
            if staged is not None:
                shutil.rmtree(staged.folder, ignore_errors=True)

st.markdown("**Datasets on this machine**")
current = state.dataset_choice()
if not names:
    st.caption("No uploaded dataset yet.")
for upload in names:
    row = st.container(horizontal=True, vertical_alignment="center", key=f"ds-{upload}")
    row.markdown(f"`{upload}`" + (" (shown)" if upload == current else ""))
    if upload != current and row.button("Show", key=f"show-{upload}"):
        state.set_dataset(upload)
        st.rerun()
if current and st.button("Back to the default dataset", key="default-dataset"):
    state.set_dataset(None)
    st.rerun()
