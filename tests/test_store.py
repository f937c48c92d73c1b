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


def _sentence_parts(folder, n_files: int, rows_per_file: int) -> store.Parts:
    """Cache-like parts of the sentences table: each file holds some articles, keyed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir()
    wanted = []
    for f in range(n_files):
        ids = [f"a{(f * 7919 + i // 10) % 100_000:05d}" for i in range(rows_per_file)]
        frame = pd.DataFrame({
            "key": [f"k-{a}" for a in ids], "article_id": ids,
            "sentence_id": [i % 10 for i in range(rows_per_file)],
            "start": range(rows_per_file), "end": range(1, rows_per_file + 1),
            "sentiment": [0.25] * rows_per_file, "sentiment_terms": ["bon:+0.5"] * rows_per_file,
        })
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / f"{f}.parquet")
        wanted += [(str(folder / f"{f}.parquet"), key) for key in dict.fromkeys(frame["key"])]
    return store.Parts(pd.DataFrame(wanted, columns=["file", "key"], dtype="str"))


def test_a_table_given_as_parts_is_written_sorted_like_a_frame(tmp_path):
    import pyarrow.parquet as pq

    parts = _sentence_parts(tmp_path / "parts", 3, 50)
    rows = store.write_parts(tmp_path / "s.parquet", "sentences", parts)
    written = pd.read_parquet(tmp_path / "s.parquet")
    assert rows == len(written) == 150
    assert written.columns.tolist() == schema.columns("sentences")
    expected = pd.concat([pd.read_parquet(f) for f in sorted(set(parts.wanted["file"]))])
    store.write_table(tmp_path / "e.parquet", "sentences",
                      schema.conform("sentences", expected.drop(columns="key")))
    expected = pd.read_parquet(tmp_path / "e.parquet")
    pd.testing.assert_frame_equal(schema.conform("sentences", written),
                                  schema.conform("sentences", expected))
    assert pq.read_metadata(tmp_path / "s.parquet").row_group(0).num_rows == 150


def test_writing_a_table_from_parts_holds_no_more_memory_for_a_ten_times_larger_table(tmp_path):
    """The memory bound of a build's final assembly, without a clock: Python's peak allocation
    while writing 10x the rows stays about the same (a table read whole would grow 10x)."""
    import tracemalloc

    def peak(parts: store.Parts, name: str) -> int:
        tracemalloc.start()
        try:
            store.write_parts(tmp_path / name, "sentences", parts)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small = _sentence_parts(tmp_path / "small", 20, 2_000)
    large = _sentence_parts(tmp_path / "large", 20, 20_000)
    peak(small, "warm.parquet")  # first-use allocations (DuckDB's Python module) not counted
    small_peak, large_peak = peak(small, "small.parquet"), peak(large, "large.parquet")
    assert pq_rows(tmp_path / "large.parquet") == 400_000
    assert large_peak < 2 * small_peak + 2_000_000, (small_peak, large_peak)


def pq_rows(path) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(path).num_rows
