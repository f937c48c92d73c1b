"""Uploads: put a browser upload on disk without losing a file or overwriting a dataset.

No Streamlit here (the Data page draws; this module decides), so every rule is unit-tested:
- each upload gets its own new directory, and two files with the same name are both kept
  (`article.txt`, `article-2.txt`);
- a file over the size cap is not written but reported, with its size, in the build report;
- a dataset name is claimed under a lock: two sessions cannot build the same name at once, and
  an existing dataset is only replaced when the user said so.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout

from pipeline import store

DEFAULT_MAX_MB = 200.0


class Uploaded(Protocol):
    """What Streamlit's UploadedFile offers (and what tests hand in)."""

    name: str
    size: int

    def getvalue(self) -> bytes: ...


class UploadError(RuntimeError):
    """The upload cannot go ahead; the message is for the user."""


@dataclass
class Staged:
    folder: Path
    written: list[str] = field(default_factory=list)  # file names as stored
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def max_upload_bytes() -> int:
    """The per-file cap: env REVUE_MAX_UPLOAD_MB (megabytes, default 200)."""
    raw = os.environ.get("REVUE_MAX_UPLOAD_MB", "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_MAX_MB
    except ValueError:
        mb = DEFAULT_MAX_MB
    return max(1, int(mb * 1024 * 1024))


def safe_file_name(raw: str) -> str:
    """Return the base name of `raw` with anything but letters, digits, '.', '-', '_' replaced."""
    base = Path(raw.replace("\\", "/")).name
    return re.sub(r"[^\w.\-]+", "_", base).lstrip(".") or "upload"


def _unique(name: str, taken: set[str]) -> str:
    if name.casefold() not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext, dot = name, "", ""
    n = 2
    while f"{stem}-{n}{dot}{ext}".casefold() in taken:
        n += 1
    return f"{stem}-{n}{dot}{ext}"


def _megabytes(n: int) -> str:
    """Return a size for people: 1.5 MB, or 51 kB under a megabyte."""
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def size_text(n: int) -> str:
    """Return `n` bytes as the Data page says it."""
    return _megabytes(n)


def stage(files: Iterable[Uploaded], *, parent: Path | None = None,
          max_bytes: int | None = None) -> Staged:
    """Write the uploaded files into a new directory of their own; return what was written and
    what was skipped (over the size cap), by name."""
    cap = max_upload_bytes() if max_bytes is None else max_bytes
    folder = Path(tempfile.mkdtemp(prefix="revue-upload-", dir=parent))
    staged = Staged(folder)
    taken: set[str] = set()
    for file in files:
        size = int(getattr(file, "size", 0) or 0)
        if size > cap:
            staged.skipped.append((file.name, f"the file is {_megabytes(size)}, over the "
                                              f"{_megabytes(cap)} upload limit; not read"))
            continue
        data = file.getvalue()
        if len(data) > cap:
            staged.skipped.append((file.name, f"the file is {_megabytes(len(data))}, over the "
                                              f"{_megabytes(cap)} upload limit; not read"))
            continue
        name = _unique(safe_file_name(file.name), taken)
        taken.add(name.casefold())
        (folder / name).write_bytes(data)
        staged.written.append(name)
    return staged


@contextmanager
def claim(target: Path, *, replace: bool) -> Iterator[None]:
    """Hold the dataset name `target` for one build: refuse when another session holds it, or
    when a dataset is there and `replace` is False."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(target.parent / f".{target.name}.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise UploadError(f"Another session is building “{target.name}” right now: choose "
                          "another name, or wait and try again.") from None
    try:
        if (target / store.MANIFEST_FILE).exists() and not replace:
            raise UploadError(f"A dataset named “{target.name}” already exists: choose another "
                              "name, or tick “Replace it” to rebuild it from this upload.")
        yield
    finally:
        lock.release()


def add_to_report(dataset: Path, skipped: list[tuple[str, str]]) -> None:
    """Add the skipped uploads to the dataset's build report (rewritten atomically)."""
    if not skipped:
        return
    path = dataset / store.REPORT_FILE
    rows: list[list[str]] = []
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))[1:]
    rows += [[f"upload:{name}", reason] for name, reason in skipped]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["origin", "reason"])
    writer.writerows(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def existing(uploads: Path) -> list[str]:
    """Return the names of the datasets in `uploads` (build leftovers cleaned, never listed)."""
    return [path.name for path in store.list_datasets(uploads)]
