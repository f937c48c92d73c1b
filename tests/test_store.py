"""Store: a build killed at any moment leaves the previous dataset intact."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import schema, store


def _tables(n_articles: int) -> dict[str, pd.DataFrame]:
    tables = {name: schema.empty(name) for name in (*store.PARQUET_TABLES, "report")}
    tables["articles"] = schema.conform("articles", pd.DataFrame({
        "article_id": [f"id{i}" for i in range(n_articles)],
        "origin": [f"a{i}.txt" for i in range(n_articles)],
        "date_source": "unknown", "language": "fr", "text": "Bonjour.", "n_words": 1,
    }))
    return tables


def _manifest() -> dict:
    return {"schema_version": schema.SCHEMA_VERSION}


def test_round_trip_keeps_schema(tmp_path):
    store.write_dataset(tmp_path / "ds", _tables(2), _manifest())
    dataset = store.read_dataset(tmp_path / "ds")
    for name, frame in dataset.tables.items():
        schema.check(name, frame)
    assert len(dataset["articles"]) == 2


def test_a_build_that_dies_while_writing_leaves_the_previous_dataset(tmp_path, monkeypatch):
    store.write_dataset(tmp_path / "ds", _tables(2), _manifest())

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_parquet", explode)
    with pytest.raises(KeyboardInterrupt):
        store.write_dataset(tmp_path / "ds", _tables(5), _manifest())
    monkeypatch.undo()
    assert len(store.read_dataset(tmp_path / "ds")["articles"]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]  # no half-written directory left


def test_a_build_that_dies_between_the_two_renames_is_recovered(tmp_path):
    store.write_dataset(tmp_path / "ds", _tables(3), _manifest())
    (tmp_path / "ds").rename(tmp_path / ".ds.previous")  # the state right after the first rename
    assert len(store.read_dataset(tmp_path / "ds")["articles"]) == 3


def test_the_analysts_curation_survives_a_rebuild(tmp_path):
    store.write_dataset(tmp_path / "ds", _tables(1), _manifest())
    (tmp_path / "ds" / store.CURATION_FILE).write_text("action,entity,target,value,note\n")
    store.write_dataset(tmp_path / "ds", _tables(2), _manifest())
    assert (tmp_path / "ds" / store.CURATION_FILE).exists()


def test_reading_something_that_is_not_a_dataset_says_how_to_make_one(tmp_path):
    with pytest.raises(store.DatasetError, match="python -m pipeline build"):
        store.read_dataset(tmp_path)


def test_a_damaged_table_is_a_clear_error(tmp_path):
    store.write_dataset(tmp_path / "ds", _tables(1), _manifest())
    (tmp_path / "ds" / "mentions.parquet").write_bytes(b"not parquet")
    with pytest.raises(store.DatasetError, match="missing or damaged"):
        store.read_dataset(tmp_path / "ds")
