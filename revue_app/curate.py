"""Curation from the dashboard: correct an entity, accept or reject suggested merges, undo.

Every action appends one line to the dataset's `curation.csv` (`pipeline.curation`, atomic and
locked) and reruns: the dataset is cached by the file's modification time and size, so the
correction shows on every page at once, without re-running NLP. Undo removes that line.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from pipeline import store
from pipeline.curation import (
    append_curation,
    read_curation,
    reject_suggestion,
    rejected_pairs,
    remove_curation_line,
)
from pipeline.resolve import suggest_merges
from revue_app import state
from revue_app.engine import Engine
from revue_app.queries import LABELS
from revue_app.widgets import md_escape

SUGGESTIONS_SHOWN = 8
UNDO_SHOWN = 15


def curation_file(dataset: Path) -> Path:
    return Path(dataset) / store.CURATION_FILE


def _write(action: str, message: str, **fields: str) -> None:
    """Append one correction, then rerun so every page shows it."""
    path = st.session_state["_curation_path"]
    try:
        append_curation(path, action, **fields)
    except (ValueError, OSError) as error:
        st.session_state["_curation_error"] = f"Not saved: {error}"
        return
    state.notice(message)


@st.cache_data(show_spinner=False, max_entries=16)
def _suggestions(path: str, stamp: tuple[float, float], entities: pd.DataFrame,
                 aliases: pd.DataFrame) -> pd.DataFrame:
    del path, stamp  # the cache key
    return suggest_merges(entities, aliases, limit=60)


def entity_panel(dataset: Path, entity: str, names: dict[str, str], labels: dict[str, str],
                 entities: pd.DataFrame, aliases: pd.DataFrame) -> None:
    """Merge, rename, relabel, exclude, split an alias off (`aliases`: this entity's)."""
    st.session_state["_curation_path"] = str(curation_file(dataset))
    if error := st.session_state.pop("_curation_error", None):
        st.error(error)
    name = names.get(entity, entity)
    counts = dict(zip(entities["entity_id"], entities["n_mentions"], strict=True))
    others = [e for e in entities.sort_values("n_mentions", ascending=False)["entity_id"]
              if e != entity]
    merge_tab, rename_tab, label_tab, split_tab, exclude_tab = st.tabs(
        ["Merge into…", "Rename", "Relabel", "Split an alias off", "Exclude"])
    with merge_tab:
        target = st.selectbox(
            f"Merge {name} into (type to search)", others, index=None, key="cur_merge_target",
            format_func=lambda e: f"{names.get(e, e)} · {labels.get(e, '?')} · "
                                  f"{counts.get(e, 0)} mentions",
            placeholder="Choose the entity that is the same", help="The chosen entity keeps "
            "its name and type; every mention of this one joins it.")
        if st.button("Merge", key="cur_merge", disabled=target is None, type="primary"):
            target = str(target)
            _write("merge", f"Merged {name} into {names.get(target, target)}.",
                   entity=entity, target=str(target), note="from the dashboard")
            state.request(entity=target)
            st.rerun()
    with rename_tab:
        new_name = st.text_input("New name", value=name, key=f"cur_name_{entity}")
        if st.button("Rename", key="cur_rename",
                     disabled=not new_name.strip() or new_name.strip() == name):
            _write("rename", f"Renamed {name} to {' '.join(new_name.split())}.",
                   entity=entity, value=new_name)
            st.rerun()
    with label_tab:
        current = labels.get(entity, "MISC")
        new_label = st.selectbox("Type", LABELS, index=LABELS.index(current)
                                 if current in LABELS else 0, key=f"cur_label_{entity}")
        if st.button("Relabel", key="cur_relabel", disabled=new_label == current):
            _write("relabel", f"{name} is now {new_label}.", entity=entity, value=new_label)
            st.rerun()
    with split_tab:
        forms = aliases.sort_values("n_mentions", ascending=False)["surface"].astype(str).tolist()
        if len(forms) < 2:
            st.caption(f"{name} is written only one way: nothing to split off.")
        else:
            surface = st.selectbox("Alias (as written)", forms, key=f"cur_split_{entity}",
                                   help="The mentions written exactly this way leave the entity.")
            into = st.selectbox("Into", others, index=None, key="cur_split_into",
                                format_func=lambda e: names.get(e, e),
                                placeholder="A new entity of its own")
            if st.button("Split off", key="cur_split"):
                _write("split", f"Split “{surface}” off {name}.", entity=entity,
                       target=str(into or ""), value=str(surface))
                st.rerun()
    with exclude_tab:
        st.caption(f"Not an entity (a verb or a common word tagged as a name): its "
                   f"{counts.get(entity, 0)} mention(s) are removed from every page.")
        if st.button(f"Exclude {name}", key="cur_exclude"):
            _write("exclude", f"Excluded {name}.", entity=entity, note="from the dashboard")
            state.request(entity=None)
            st.rerun()


def suggestions_panel(dataset: Path, stamp: tuple[float, float], entities: pd.DataFrame,
                      aliases: pd.DataFrame) -> None:
    """The merges the automatic rules did not dare make (`entities --suggest`), one click each."""
    path = curation_file(dataset)
    st.session_state["_curation_path"] = str(path)
    frame = _suggestions(str(dataset), stamp, entities, aliases)
    refused = rejected_pairs(path)
    frame = frame[[frozenset((a, b)) not in refused
                   for a, b in zip(frame["entity_a"], frame["entity_b"], strict=True)]]
    if frame.empty:
        st.caption("No merge to suggest.")
        return
    for i, row in enumerate(frame.head(SUGGESTIONS_SHOWN).itertuples(index=False)):
        line = st.container(horizontal=True, vertical_alignment="center", key=f"sugg-{i}")
        line.markdown(f"**{md_escape(row.name_a)}** → **{md_escape(row.name_b)}** · "
                      f"{row.score:.2f} · {md_escape(row.reason)}")
        if line.button("Accept", key=f"sugg-yes-{i}", icon=":material/check:"):
            _write("merge", f"Merged {row.name_a} into {row.name_b}.", entity=row.entity_a,
                   target=row.entity_b, note=f"suggested: {row.reason}")
            st.rerun()
        if line.button("Reject", key=f"sugg-no-{i}", icon=":material/close:"):
            reject_suggestion(path, row.entity_a, row.entity_b, note=row.reason)
            state.notice(f"{row.name_a} and {row.name_b} are kept apart.")
            st.rerun()


def undo_panel(dataset: Path) -> None:
    """The corrections in force, newest first, each with an Undo button."""
    path = curation_file(dataset)
    curation, _ = read_curation(path)
    if curation.empty:
        st.caption("No correction yet.")
        return
    newest = curation.sort_values("line", ascending=False).head(UNDO_SHOWN)
    for row in newest.itertuples(index=False):
        line = st.container(horizontal=True, vertical_alignment="center",
                            key=f"undo-row-{row.line}")
        what = " ".join(str(v) for v in (row.action, row.entity,
                                         f"→ {row.target}" if row.target else "",
                                         f"“{row.value}”" if row.value else "") if v)
        line.markdown(f"line {row.line}: {md_escape(what)}")
        if line.button("Undo", key=f"undo-{row.line}", icon=":material/undo:"):
            expected = {"action": row.action, "entity": row.entity, "target": row.target,
                        "value": row.value}
            if remove_curation_line(path, int(row.line), expected):
                state.notice(f"Undone: {what}.")
            else:
                state.notice("The curation file changed meanwhile: nothing was undone.")
            st.rerun()
    if len(curation) > UNDO_SHOWN:
        st.caption(f"The {UNDO_SHOWN} newest of {len(curation)} corrections; the others are "
                   f"in {path.name} (Data page).")


def moved_entities(db: Engine) -> dict[str, str | None]:
    """Return the entity ids curation merged away → where they went (None: excluded), so old
    links can follow them (`state.follow_moves`)."""
    # a table when the engine built in memory, a view over the stored index otherwise
    exists = db.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cur_moved' "
                       "AND database_name = current_database()") or db.scalar(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'cur_moved' "
        "AND database_name = current_database()")
    if not exists:
        return {}
    frame = db.sql("SELECT old_id, new_id FROM cur_moved")
    return {str(o): (None if n is None or pd.isna(n) else str(n))
            for o, n in zip(frame["old_id"], frame["new_id"], strict=True)}


MAX_CHOICES = 5000  # entities offered as merge targets and compared for suggestions


def curation_entities(db: Engine) -> pd.DataFrame:
    """Return the most mentioned entities (id, name, label, n_mentions): what the merge
    chooser offers and the suggestions compare (a bounded list, whatever the corpus size)."""
    return db.sql(f"""SELECT entity_id, name, label, n_mentions FROM entities
        ORDER BY n_mentions DESC, entity_id LIMIT {MAX_CHOICES}""")


def all_aliases(db: Engine) -> pd.DataFrame:
    """Return the aliases (entity_id, surface, n_mentions, rule) of those entities."""
    return db.sql(f"""SELECT a.entity_id, a.surface, a.n_mentions, a.rule FROM aliases a
        SEMI JOIN (SELECT entity_id FROM entities ORDER BY n_mentions DESC, entity_id
                   LIMIT {MAX_CHOICES}) e USING (entity_id)""")
