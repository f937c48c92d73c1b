"""The engine's tables are stored once per dataset version, so opening is a file open."""

from __future__ import annotations

import shutil

import pandas as pd

from pipeline import store
from revue_app import engine as engine_mod
from revue_app import queries as q
from revue_app.engine import Engine

CURATION = ("action,entity,target,value,note\n"
            "relabel,misc:openai,,ORG,\n"
            "exclude,misc:chatgpt,,,\n"
            "merge,nobody,per:sam-altman,,\n")


def _attached(db: Engine) -> bool:
    return bool(db.scalar("SELECT count(*) FROM duckdb_databases() "
                          "WHERE database_name = 'idx'"))


def _views(db: Engine) -> dict[str, pd.DataFrame]:
    f = q.Filters(labels=("PER", "ORG"))
    top = q.top_entities(db, f, n=20)
    nodes, edges, _units = q.network(db, q.Filters(), window="sentence")
    return {"top": top, "nodes": nodes, "edges": edges,
            "counts": pd.DataFrame([q.corpus_counts(db, f)]),
            "quotes": db.sql("SELECT * FROM quotes ORDER BY article_id, start"),
            "evidence": q.evidence(db, q.Filters(), entity_id=top["entity_id"].iloc[0],
                                   limit=10)}


def test_the_second_open_reads_the_stored_index_and_sees_the_same(seed_build, tmp_path,
                                                                   monkeypatch):
    path = tmp_path / "ds"
    shutil.copytree(seed_build.path, path)
    (path / store.CURATION_FILE).write_text(CURATION, encoding="utf-8")
    first = Engine.open(path)
    stored = sorted((path / engine_mod.INDEX_DIR).glob("*.duckdb"))
    assert len(stored) == 1
    again = Engine.open(path)
    assert _attached(again)
    assert again.problems == first.problems and again.problems  # the bad line is still told
    monkeypatch.setattr(engine_mod, "_index_path", lambda _path: None)
    memory = Engine.open(path)  # built in memory, as when the dataset is read-only
    assert not _attached(memory)
    want = _views(memory)
    for name, got in _views(again).items():
        pd.testing.assert_frame_equal(got, want[name], check_dtype=False, obj=name)
    assert "misc:chatgpt" not in set(_views(again)["top"]["entity_id"])


def test_a_curation_edit_gets_a_new_index(seed_build, tmp_path):
    path = tmp_path / "ds"
    shutil.copytree(seed_build.path, path)
    before = q.top_entities(Engine.open(path), q.Filters(), n=50)
    assert "misc:chatgpt" in set(before["entity_id"])
    old = sorted((path / engine_mod.INDEX_DIR).glob("*.duckdb"))
    (path / store.CURATION_FILE).write_text(CURATION, encoding="utf-8")
    db = Engine.open(path)
    assert _attached(db)
    new = sorted((path / engine_mod.INDEX_DIR).glob("*.duckdb"))
    assert len(new) == 1 and new != old  # the stale index is removed
    after = q.top_entities(db, q.Filters(), n=50)
    assert "misc:chatgpt" not in set(after["entity_id"])
    assert after.set_index("entity_id").loc["misc:openai", "label"] == "ORG"


def test_entity_counts_from_the_per_day_table_match_the_mentions(seed_build):
    from datetime import date

    db = Engine.open(seed_build.path)
    assert db.entity_days  # each seed entity has one type: the per-day table serves counts
    first = q.sidebar_facts(db)["first"]
    assert first is not None
    filters = [q.Filters(labels=("PER",)), q.Filters(min_mentions=3),
               q.Filters(date_from=first, date_to=first, labels=("ORG", "MISC")),
               q.Filters(date_from=date(1990, 1, 1), min_mentions=2, duplicates=True)]
    got = [(q.view_entities(db, f), q.top_entities(db, f)) for f in filters]
    assert any(top["sentiment"].notna().any() for _, top in got)
    db.entity_days = False  # the same counts and sentiments, from the mentions
    for f, (frame, top) in zip(filters, got, strict=True):
        want = q.view_entities(db, f)
        assert not want.empty
        pd.testing.assert_frame_equal(frame, want, obj=str(f))
        pd.testing.assert_frame_equal(top, q.top_entities(db, f), obj=str(f))


def test_per_article_counts_from_the_per_type_table_match_the_mentions(seed_build,
                                                                      monkeypatch):
    db = Engine.open(seed_build.path)
    filters = [q.Filters(), q.Filters(labels=("PER",)), q.Filters(labels=("ORG", "LOC"))]
    got = [(q.mention_counts_by_article(db, f, limit=3), q.mention_counts_by_source(db, f))
           for f in filters]
    monkeypatch.setattr(q, "_mention_types", lambda _f: None)  # from the mentions instead
    for f, ((by_article, total), by_source) in zip(filters, got, strict=True):
        want, want_total = q.mention_counts_by_article(db, f, limit=3)
        assert total == want_total and not want.empty
        pd.testing.assert_frame_equal(by_article, want, obj=str(f))
        pd.testing.assert_frame_equal(by_source, q.mention_counts_by_source(db, f), obj=str(f))


def test_an_index_built_from_a_relative_path_opens_from_elsewhere(seed_build, tmp_path,
                                                                   monkeypatch):
    path = tmp_path / "ds"
    shutil.copytree(seed_build.path, path)
    monkeypatch.chdir(tmp_path)
    built = Engine.open("ds")  # the dashboard may be given a relative path
    monkeypatch.chdir(path / engine_mod.INDEX_DIR)
    again = Engine.open(path)  # the views stored in the index still find the Parquet files
    assert _attached(again)
    pd.testing.assert_frame_equal(q.evidence(again, q.Filters(), "per:sam-altman"),
                                  q.evidence(built, q.Filters(), "per:sam-altman"))
