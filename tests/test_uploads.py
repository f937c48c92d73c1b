"""Uploads and hosting (revue_app/uploads.py, revue_app/hosting.py): no upload is ever lost,
no dataset overwritten by surprise, the seeds built once for every visitor, an optional
password."""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pipeline import store
from revue_app import hosting, uploads

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FakeUpload:
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data


def test_two_files_with_the_same_name_are_both_kept(tmp_path):
    staged = uploads.stage([FakeUpload("article.txt", b"one"), FakeUpload("article.txt", b"two"),
                            FakeUpload("dir/Article.TXT", b"three")], parent=tmp_path)
    assert staged.written == ["article.txt", "article-2.txt", "Article-3.TXT"]
    assert sorted(p.read_bytes() for p in staged.folder.iterdir()) == [b"one", b"three", b"two"]
    assert staged.skipped == []


def test_each_upload_gets_its_own_directory(tmp_path):
    a = uploads.stage([FakeUpload("a.txt", b"a")], parent=tmp_path)
    b = uploads.stage([FakeUpload("a.txt", b"b")], parent=tmp_path)
    assert a.folder != b.folder
    assert (a.folder / "a.txt").read_bytes() == b"a" and (b.folder / "a.txt").read_bytes() == b"b"


def test_a_file_over_the_cap_is_skipped_with_its_reason(tmp_path):
    staged = uploads.stage([FakeUpload("big.txt", b"x" * 2000), FakeUpload("ok.txt", b"y")],
                           parent=tmp_path, max_bytes=1000)
    assert staged.written == ["ok.txt"]
    assert [n for n, _ in staged.skipped] == ["big.txt"]
    assert "upload limit" in staged.skipped[0][1]
    assert not (staged.folder / "big.txt").exists()


def test_the_cap_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("REVUE_MAX_UPLOAD_MB", "2")
    assert uploads.max_upload_bytes() == 2 * 1024 * 1024
    monkeypatch.setenv("REVUE_MAX_UPLOAD_MB", "lots")
    assert uploads.max_upload_bytes() == int(uploads.DEFAULT_MAX_MB * 1024 * 1024)


def _fake_dataset(path: Path) -> None:
    path.mkdir(parents=True)
    (path / store.MANIFEST_FILE).write_text("{}", encoding="utf-8")
    (path / store.REPORT_FILE).write_text("origin,reason\nx.txt,empty\n", encoding="utf-8")


def test_an_existing_dataset_is_never_replaced_without_asking(tmp_path):
    target = tmp_path / "story"
    _fake_dataset(target)
    with pytest.raises(uploads.UploadError, match="already exists"), \
            uploads.claim(target, replace=False):
        pass
    with uploads.claim(target, replace=True):
        pass
    with uploads.claim(tmp_path / "new-name", replace=False):
        pass


def test_two_sessions_cannot_build_one_name_at_once(tmp_path):
    target = tmp_path / "story"
    outcome: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def first() -> None:
        with uploads.claim(target, replace=False):
            inside.set()
            release.wait(30)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(30)
    try:
        with uploads.claim(target, replace=False):
            outcome.append("second got in")
    except uploads.UploadError as error:
        outcome.append(str(error))
    finally:
        release.set()
        thread.join()
    assert len(outcome) == 1 and "Another session" in outcome[0]


def test_skipped_uploads_join_the_build_report(tmp_path):
    target = tmp_path / "story"
    _fake_dataset(target)
    uploads.add_to_report(target, [("big.zip", "over the limit")])
    report = pd.read_csv(target / store.REPORT_FILE, dtype="str")
    assert report.to_dict("records") == [{"origin": "x.txt", "reason": "empty"},
                                         {"origin": "upload:big.zip", "reason": "over the limit"}]


def test_uploads_list_ignores_build_leftovers(tmp_path):
    _fake_dataset(tmp_path / "good")
    _fake_dataset(tmp_path / ".good.building-x1")
    (tmp_path / "empty").mkdir()
    assert uploads.existing(tmp_path) == ["good"]
    assert uploads.existing(tmp_path / "missing") == []


# --- The seeds, built once for every visitor --------------------------------------------------

def _slow_builder(path: Path) -> None:
    import time

    with (path.parent / "builds.log").open("a") as log:
        log.write("built\n")
    time.sleep(0.5)  # long enough for the other visitors to arrive while it builds
    _fake_dataset(path)


def _visit(path: str) -> None:
    hosting.build_once(Path(path), _slow_builder)


def test_seeds_are_built_once_with_several_visitors_at_once(tmp_path):
    target = tmp_path / "seeds"
    context = multiprocessing.get_context("fork")
    visitors = [context.Process(target=_visit, args=(str(target),)) for _ in range(4)]
    threads = [threading.Thread(target=_visit, args=(str(target),)) for _ in range(3)]
    for v in visitors:
        v.start()
    for t in threads:
        t.start()
    for v in visitors:
        v.join(60)
    for t in threads:
        t.join(60)
    assert all(v.exitcode == 0 for v in visitors)
    assert (tmp_path / "builds.log").read_text().splitlines() == ["built"]
    assert (target / store.MANIFEST_FILE).exists()
    assert hosting.build_once(target, _slow_builder) is False


# --- The password ----------------------------------------------------------------------------

def test_password_gate(seed_build, monkeypatch):
    monkeypatch.setenv("REVUE_DATA", str(seed_build.path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.secrets["password"] = "s3cret"
    at.run(timeout=60)
    assert not at.exception
    assert not at.get("plotly_chart") and not at.metric  # nothing of the corpus is shown
    at.text_input(key="_revue_password").input("wrong")
    at.button[0].click().run(timeout=60)
    assert "Wrong password." in [e.value for e in at.error]
    assert not at.metric
    at.text_input(key="_revue_password").input("s3cret")
    at.button[0].click().run(timeout=60)
    assert not at.exception
    assert at.metric and [h.value for h in at.header] == ["Overview"]


def test_no_password_configured_means_open(seed_build, monkeypatch):
    monkeypatch.setenv("REVUE_DATA", str(seed_build.path))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run(timeout=60)
    assert not at.exception and [h.value for h in at.header] == ["Overview"]
