"""Opening a dataset applies the analyst's curation without re-running NLP."""

from __future__ import annotations

import shutil

import pytest

from pipeline import schema, store
from pipeline.dataset import open_dataset


def test_curation_is_applied_at_load_and_bad_lines_are_reported(seed_build, tmp_path):
    path = tmp_path / "ds"
    shutil.copytree(seed_build.path, path)
    (path / store.CURATION_FILE).write_text(
        "action,entity,target,value,note\n"
        "relabel,misc:openai,,ORG,a company\n"
        "merg,Altman,per:sam-altman,,typo in the action\n"
        "merge,Ilya Sutskever,per:sam-altman,,deliberately wrong: quotes must follow\n",
        encoding="utf-8",
    )
    dataset = open_dataset(path)
    entities = dataset["entities"].set_index("entity_id")
    assert entities.loc["misc:openai", "label"] == "ORG"
    assert "per:ilya-sutskever" not in entities.index
    assert "per:ilya-sutskever" not in set(dataset["quotes"]["speaker_id"].dropna())
    assert any("line 3" in p and "merg" in p for p in dataset.problems)
    for name in ("mentions", "entities", "aliases", "quotes"):
        schema.check(name, dataset[name])
    # the stored tables are untouched: curation lives in curation.csv only
    assert store.read_dataset(path)["entities"].set_index("entity_id").loc[
        "misc:openai", "label"] == "MISC"


def test_the_engine_applies_curation_like_open_dataset(seed_build, tmp_path):
    from revue_app import queries as q
    from revue_app.engine import Engine

    path = tmp_path / "ds"
    shutil.copytree(seed_build.path, path)
    (path / store.CURATION_FILE).write_text(
        "action,entity,target,value,note\n"
        "relabel,misc:openai,,ORG,\n"
        "merge,Ilya Sutskever,per:sam-altman,,\n"
        "rename,org:microsoft,,Microsoft Corp.,\n"
        "split,per:sam-altman,,Altman,\n"
        "exclude,misc:chatgpt,,,\n"
        "merge,nobody,per:sam-altman,,\n",
        encoding="utf-8",
    )
    expected = open_dataset(path)
    db = Engine.open(path)
    assert set(db.problems) == set(expected.problems) and db.problems
    got = db.sql("SELECT * FROM entities").sort_values("entity_id", ignore_index=True)
    want = expected["entities"].sort_values("entity_id", ignore_index=True)
    assert got["entity_id"].tolist() == want["entity_id"].tolist()
    for column in ("name", "label", "aliases", "n_mentions", "n_articles"):
        assert got[column].tolist() == want[column].tolist(), column
    assert got["sentiment"].fillna(9).tolist() == pytest.approx(
        want["sentiment"].fillna(9).tolist())
    # the mentions view follows the curation without the table being rewritten
    mentions = db.sql("SELECT * FROM mentions ORDER BY article_id, start")
    want_m = expected["mentions"].sort_values(["article_id", "start"], ignore_index=True)
    assert mentions["entity_id"].tolist() == want_m["entity_id"].tolist()
    quotes = db.sql("SELECT * FROM quotes ORDER BY article_id, start")
    want_q = expected["quotes"].sort_values(["article_id", "start"], ignore_index=True)
    assert quotes["speaker_id"].fillna("").tolist() == want_q["speaker_id"].fillna("").tolist()
    # and the pages see it
    top = q.top_entities(db, q.Filters(), n=50)
    assert "misc:chatgpt" not in set(top["entity_id"])
    assert top.set_index("entity_id").loc["misc:openai", "label"] == "ORG"


def test_tables_are_written_sorted_for_the_engine(seed_build):
    import pandas as pd

    for table, keys in store.SORT_KEYS.items():
        frame = pd.read_parquet(seed_build.path / f"{table}.parquet")
        ordered = frame.sort_values(list(keys), na_position="last", kind="stable",
                                    ignore_index=True)
        assert frame[list(keys)].equals(ordered[list(keys)]), table
