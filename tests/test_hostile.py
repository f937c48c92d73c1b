"""Hostile inputs end to end: the generated corpus (tests/hostile_corpus.py) built through the CLI
as a user would, every input accounted for; hostile dataset folders and curation files give
clear messages, never a traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import hostile_corpus as hc
import pandas as pd
import pytest

from pipeline import schema, store
from pipeline.curation import read_curation
from pipeline.dataset import open_dataset

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[hc.Expect],
                                                                        object]]:
    """The corpus, what must happen to each input, and the CLI's result."""
    root = tmp_path_factory.mktemp("hostile")
    expected = hc.generate(root)
    try:
        done = _cli("build", "corpus", "--out", "out", "--metadata", hc.EXPLICIT_METADATA,
                    "--max-file-mb", str(hc.MAX_FILE_MB), cwd=root)
        yield root, expected, done
    finally:
        hc.remove_tree(root / "corpus" / "deep-folder")  # too deep for pytest's own cleanup


def _tables(root: Path) -> dict[str, pd.DataFrame]:
    return store.read_dataset(root / "out").tables


def test_the_cli_builds_the_hostile_corpus_and_reports_without_traceback(hostile) -> None:
    root, _, done = hostile
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert "skipped" in done.stdout and "columns not used" in done.stdout
    for name, frame in _tables(root).items():
        schema.check(name, frame)


def test_every_expectation_of_every_kind_holds(hostile) -> None:
    root, expected, _ = hostile
    tables = _tables(root)
    articles = set(tables["articles"]["origin"])
    report = dict(zip(tables["report"]["origin"], tables["report"]["reason"], strict=True))
    wrong = []
    for e in expected:
        found = ("articles" if e.origin in articles else "report" if e.origin in report else None)
        ok = found is not None and (e.where in ("either", found))
        if ok and found == "report" and e.reason not in report[e.origin]:
            ok = False
        if not ok:
            wrong.append((e, found, report.get(e.origin)))
    assert not wrong, "\n".join(map(str, wrong))


def _inputs(folder: Path) -> list[Path]:
    """Every entry under `folder` a build must account for (files, links, pipes), without
    following links or recursing (the deep folder is deeper than Python's recursion limit)."""
    found, stack = [], [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:
                    found.append(Path(entry.path))
    return found


def test_every_file_of_the_corpus_is_accounted_for(hostile) -> None:
    root, _, _ = hostile
    tables = _tables(root)
    origins = set(tables["articles"]["origin"]) | set(tables["report"]["origin"])
    # rows and members: `t.csv#row=2`, `a.zip!x.txt` account for their file
    containers = {re.split(r"#row=|!", origin, maxsplit=1)[0] for origin in origins}
    lost = []
    for path in _inputs(root / "corpus"):
        origin = os.path.relpath(path, root)
        parents = {os.path.relpath(p, root) for p in path.parents}
        if origin not in containers and origin not in origins and not parents & origins:
            lost.append(origin)
    assert not lost, lost
    assert len(_inputs(root / "corpus")) >= 50


def test_the_dump_is_a_near_duplicate_of_the_clean_copy_and_loses_its_furniture(hostile) -> None:
    root, _, _ = hostile
    articles = _tables(root)["articles"].set_index("origin")
    folder = os.path.join("corpus", "near-duplicate-page-dump")
    clean = articles.loc[os.path.join(folder, "a-clean.txt")]
    dump = articles.loc[os.path.join(folder, "b-dump.txt")]
    assert pd.isna(clean["duplicate_of"])
    assert dump["duplicate_of"] == clean["article_id"]
    for furniture in ("LIRE AUSSI", "cookies", "Tout accepter", "Photo : Jean Dupont / AFP"):
        assert furniture not in dump["text"]
        assert furniture in dump["boilerplate"]
    others = articles.drop(index=[os.path.join(folder, "b-dump.txt")])
    assert others["duplicate_of"].isna().all()  # no other article is taken for a copy


def test_metadata_under_the_names_people_use_is_applied(hostile) -> None:
    root, _, _ = hostile
    articles = _tables(root)["articles"].set_index("origin")
    a = articles.loc[os.path.join("corpus", "sidecar-metadata", "a.txt")]
    assert (a["title"], a["source"], a["url"]) == (
        "Titre A", "Le Courrier", "https://courrier.example/a")
    assert a["published"] == pd.Timestamp("2024-03-02") and a["date_source"] == "metadata"
    b = articles.loc[os.path.join("corpus", "sidecar-metadata", "b.txt")]
    assert b["title"] == "Titre B" and b["date_source"] != "metadata"
    explicit = articles.loc[os.path.join("corpus", "explicit-metadata", "sub", "a.txt")]
    assert (explicit["title"], explicit["url"]) == (
        "Titre explicite", "https://explicit.example/a")
    assert explicit["published"] == pd.Timestamp("2024-05-06")
    excel = articles.loc[os.path.join("corpus", "csv-excel-aliases", "t.csv") + "#row=1"]
    assert (excel["title"], excel["source"], excel["url"]) == (
        "Excel", "La Gazette", "https://gazette.example/a")
    assert excel["published"] == pd.Timestamp("2024-02-03")
    zipped = articles.loc[os.path.join("corpus", "zip-with-sidecar", "meta.zip") + "!x/a.txt"]
    assert (zipped["title"], zipped["source"]) == ("Titre propre", "Le Courrier")


def test_the_readme_lists_every_kind_of_the_generator() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- hostile:start -->\n(.*?)\n<!-- hostile:end -->", readme, re.S)
    assert block, "README has no hostile-inputs list"
    assert block.group(1).strip() == hc.kinds_markdown().strip(), (
        "README's list of hostile kinds is out of date: paste `python tests/hostile_corpus.py "
        "--readme` between the hostile markers")
    assert hc.n_kinds() >= 40
    assert len({k.name for k in hc.KINDS} | set(hc.DATASET_KINDS)) == hc.n_kinds()


# --- hostile dataset folders ---------------------------------------------------------------------


def _tiny_tables() -> dict[str, pd.DataFrame]:
    tables = {name: schema.empty(name) for name in (*store.PARQUET_TABLES, "report")}
    tables["articles"] = schema.conform("articles", pd.DataFrame({
        "article_id": ["id0"], "origin": ["a.txt"], "date_source": "unknown", "language": "fr",
        "text": "Bonjour.", "n_words": 1}))
    return tables


def _dataset(path: Path) -> Path:
    store.write_dataset(path, _tiny_tables(), {"schema_version": schema.SCHEMA_VERSION})
    return path


DATASET_TESTS: dict[str, object] = {}


def dataset_kind(name: str):
    assert name in hc.DATASET_KINDS, name

    def register(test):
        DATASET_TESTS[name] = test
        return test

    return register


@dataset_kind("manifest-invalid-json")
def check_manifest_invalid_json(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    (ds / store.MANIFEST_FILE).write_text('{"schema_version": 3,', encoding="utf-8")
    with pytest.raises(store.DatasetError, match=r"manifest.json is not valid JSON \(.*line 1"):
        store.read_dataset(ds)
    done = _cli("entities", str(ds), cwd=tmp_path)
    assert done.returncode == 1 and "not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


@dataset_kind("manifest-not-an-object")
def check_manifest_not_an_object(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    (ds / store.MANIFEST_FILE).write_text("[1, 2, 3]", encoding="utf-8")
    with pytest.raises(store.DatasetError, match="holds a list, not the dataset's description"):
        store.read_dataset(ds)
    assert store.read_manifest(ds) is None  # a rebuild simply starts afresh


@dataset_kind("leftover-build-folders")
def check_leftover_build_folders(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    _dataset(tmp_path / "other")
    for leftover in (".ds.building-abc123", ".ds.previous", ".gone.building-x"):
        (tmp_path / leftover).mkdir()
        (tmp_path / leftover / store.MANIFEST_FILE).write_text("{}", encoding="utf-8")
    assert store.list_datasets(tmp_path) == [tmp_path / "ds", tmp_path / "other"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "other"]
    (tmp_path / ".ds.building-def").mkdir()
    store.read_dataset(ds)  # opening cleans up too
    assert not (tmp_path / ".ds.building-def").exists()
    (tmp_path / ".ds.building-ghi").mkdir()
    _dataset(ds)  # and so does the next build
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "other"]


@dataset_kind("interleaved-builds")
def check_interleaved_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two writers on one --out: the second waits for the first instead of failing with
    'Directory not empty', and a reader meanwhile never removes the first one's work."""
    real = store._write_locked
    first_inside, release = threading.Event(), threading.Event()

    def slow(*args, **kwargs):
        if threading.current_thread().name == "first":
            first_inside.set()
            release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "_write_locked", slow)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            _dataset(tmp_path / "ds")
        except BaseException as error:
            errors.append(error)

    first = threading.Thread(target=write, name="first")
    second = threading.Thread(target=write, name="second")
    first.start()
    assert first_inside.wait(30)
    second.start()
    second.join(1.0)
    assert second.is_alive()  # waiting for the lock, not racing
    (tmp_path / ".ds.building-in-progress").mkdir()  # as if the first one were writing it
    assert store.list_datasets(tmp_path) == []  # listing while a build runs cleans nothing
    assert (tmp_path / ".ds.building-in-progress").exists()
    release.set()
    first.join(30)
    second.join(30)
    assert not errors
    assert len(store.read_dataset(tmp_path / "ds")["articles"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


@dataset_kind("out-is-not-a-dataset")
def check_out_is_not_a_dataset(tmp_path: Path) -> None:
    precious = tmp_path / "Documents"
    precious.mkdir()
    (precious / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(store.DatasetError, match="not a Revue dataset; it is left untouched"):
        _dataset(precious)
    assert (precious / "thesis.docx").read_bytes() == b"years of work"
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(store.DatasetError, match="not a dataset folder"):
        _dataset(tmp_path / "file.txt")


@dataset_kind("curation-unclosed-quote")
def check_curation_unclosed_quote(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    (ds / store.CURATION_FILE).write_text(
        'action,entity,target,value,note\nrename,a,,"Foo\nexclude,Laisser,,,\nexclude,Gilets,,,\n',
        encoding="utf-8")
    curation, problems = read_curation(ds / store.CURATION_FILE)
    assert list(curation["entity"]) == ["Laisser", "Gilets"]  # not swallowed by the quote
    assert problems == ["curation.csv line 2: a quote mark is never closed (a value cannot run "
                        "over several lines: close the quote on this line); line skipped"]
    assert open_dataset(ds).problems[0] == problems[0]  # then: no such entities here


@dataset_kind("curation-huge-cell")
def check_curation_huge_cell(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    (ds / store.CURATION_FILE).write_text(
        f"action,entity,target,value,note\nrename,a,,{'x' * 200_000},\nexclude,Laisser,,,\n",
        encoding="utf-8")
    curation, problems = read_curation(ds / store.CURATION_FILE)
    assert list(curation["entity"]) == ["Laisser"]
    assert len(problems) == 1 and problems[0].startswith("curation.csv line 2: 200,011 characters")
    assert "a value is far too long" in problems[0]


@dataset_kind("curation-nul-and-stray-quote")
def check_curation_nul_and_stray_quote(tmp_path: Path) -> None:
    path = tmp_path / store.CURATION_FILE
    path.write_text('action,entity,target,value,note\nexclude,La\x00isser,,,\n'
                    'rename,a,,"Open"AI",\nexclude,Gilets,,,\n', encoding="utf-8")
    curation, problems = read_curation(path)
    assert list(curation["entity"]) == ["Gilets"]
    assert [p.split(":")[0] for p in problems] == ["curation.csv line 2", "curation.csv line 3"]
    assert "control character" in problems[0] and "quote mark in the middle" in problems[1]


@pytest.mark.parametrize("name", list(hc.DATASET_KINDS))
def test_hostile_dataset_kind(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    test = DATASET_TESTS[name]
    if name == "interleaved-builds":
        test(tmp_path, monkeypatch)  # type: ignore[operator]
    else:
        test(tmp_path)  # type: ignore[operator]


def test_the_store_reads_a_manifest_it_wrote(tmp_path: Path) -> None:
    ds = _dataset(tmp_path / "ds")
    assert json.loads((ds / store.MANIFEST_FILE).read_text())["schema_version"] == (
        schema.SCHEMA_VERSION)
    assert store.list_datasets(tmp_path) == [ds]
