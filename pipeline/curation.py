"""Curation: the analyst's corrections to the automatic entities, applied at load time.

The corrections live in `curation.csv` in the dataset directory, so a rebuild keeps them and
applying them never re-runs NLP. One correction per line, applied from top to bottom (a later
line sees the result of the earlier ones); blank lines and lines starting with `#` are ignored.
UTF-8 CSV with this header, cells quoted only when they hold a comma or a quote:

    action,entity,target,value,note
    merge,Altman,per:sam-altman,,the same person
    rename,misc:openai,,OpenAI Inc.,
    relabel,misc:openai,,ORG,a company
    exclude,Laisser,,,a verb tagged as a person
    split,per:sam-altman,,Sam,"this ""Sam"" is someone else"
    split,per:sam-altman,per:sam-bankman-fried,Sam,

- `merge` ENTITY into TARGET: ENTITY's mentions join TARGET, which keeps its name and label.
- `rename` ENTITY to VALUE, its display name.
- `relabel` ENTITY as VALUE: PER, ORG, LOC or MISC.
- `exclude` ENTITY: a false positive ("Laisser" tagged as a person); its mentions are removed.
- `split` the alias VALUE (as written) out of ENTITY: the mentions written that way go to TARGET,
  or, without a target, to a new entity of their own.

`entity` and `target` are an `entity_id` (`per:sam-altman`) or a name (`Sam Altman`, matched
like names are: case, accents and titles do not matter); an id is unambiguous and survives a
rename, a name survives a rebuild that changes ids. Ids never change on `rename` or `relabel`,
so links and later lines keep working; an id merged away still points to where it went.

A line that cannot be understood is reported ("curation.csv line 4: unknown action 'merg'") and
skipped; the others still apply. Reading or applying never raises on bad content.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from filelock import FileLock

from pipeline import schema
from pipeline.resolve import (
    LABELS,
    display_name,
    entity_dates,
    majority_label,
    make_entity_id,
    normalise_name,
    summarise_entities,
)

COLUMNS = ["action", "entity", "target", "value", "note"]
ACTIONS = ("merge", "rename", "relabel", "exclude", "split")
FILE_NAME = "curation.csv"


def _problem_in(row: dict[str, str]) -> str | None:
    """Return what is wrong with one correction, in words, or None."""
    action = row.get("action", "")
    if action not in ACTIONS:
        close = difflib.get_close_matches(action, ACTIONS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown action '{action}' (expected one of {', '.join(ACTIONS)}{hint})"
    if not row.get("entity"):
        return f"{action}: the 'entity' column is empty"
    if action == "merge" and not row.get("target"):
        return "merge: the 'target' column is empty (merge ENTITY into TARGET)"
    if action in ("rename", "relabel", "split") and not row.get("value"):
        wanted = {"rename": "the new name", "relabel": "the label", "split": "the alias to split"}
        return f"{action}: the 'value' column is empty (it holds {wanted[action]})"
    if action == "relabel" and row["value"].upper() not in LABELS:
        return f"relabel: '{row['value']}' is not a label (use one of {', '.join(LABELS)})"
    return None


def _empty_curation() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in COLUMNS})
    frame["line"] = pd.Series([], dtype="int64")
    return frame


MAX_CURATION_BYTES = 5_000_000  # thousands of corrections; a bigger file is not a curation file
MAX_LINE_CHARS = 20_000  # a correction names entities; a longer line is a mistake


def read_curation(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Return the valid corrections (columns action, entity, target, value, note, line) and the
    problems found, one human-readable message per skipped line. A missing file is no problem.

    Each correction is one line: a quote left open never swallows the lines after it (the line
    is reported and the next one read), and an overlong line is reported, not parsed.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CURATION_BYTES:
            return _empty_curation(), [
                f"{path.name}: {size / 1e6:.1f} MB, larger than the {MAX_CURATION_BYTES / 1e6:g}"
                " MB a curation file may be; no curation applied"]
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return _empty_curation(), []
    except (OSError, UnicodeDecodeError) as error:
        return _empty_curation(), [f"{path.name}: cannot be read ({error}); no curation applied"]
    rows: list[dict[str, str | int]] = []
    problems: list[str] = []
    header = COLUMNS
    first = True
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.removesuffix("\r")
        where = f"{path.name} line {number}"
        if len(line) > MAX_LINE_CHARS:
            problems.append(f"{where}: {len(line):,} characters, more than the "
                            f"{MAX_LINE_CHARS:,} a line may hold (a value is far too long); "
                            "line skipped")
            continue
        cells, problem = _parse_line(line)
        if problem:
            problems.append(f"{where}: {problem}; line skipped")
            continue
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        names = [c.strip().casefold() for c in cells]
        if first:
            first = False
            if "action" in names and set(names) <= set(COLUMNS) | {""}:
                header = names
                continue
            problems.append(f"{where}: no header line "
                            f"({','.join(COLUMNS)}); reading the columns in that order")
        if len([c for c in cells[len(header):] if c.strip()]):
            problems.append(f"{where}: {len(cells)} cells for {len(header)} "
                            "columns (quote values that contain a comma); line skipped")
            continue
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        row = {c: row.get(c, "") for c in COLUMNS}
        row["action"] = row["action"].casefold()
        problem = _problem_in(row)
        if problem:
            problems.append(f"{where}: {problem}; line skipped")
            continue
        rows.append({**row, "line": number})
    if not rows:
        return _empty_curation(), problems
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "line"]).astype(
        {**dict.fromkeys(COLUMNS, "str"), "line": "int64"})
    return frame, problems


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _parse_line(line: str) -> tuple[list[str], str | None]:
    """Return the cells of one CSV line, or ([], what is wrong with it)."""
    control = _CONTROL.search(line)
    if control:
        return [], (f"contains a control character (U+{ord(control.group()):04X} at column "
                    f"{control.start() + 1}): not a text line")
    try:
        cells = next(csv.reader([line], strict=True), [])
    except csv.Error as error:
        message = str(error)
        if "end of data" in message or "EOF" in message:
            return [], ("a quote mark is never closed (a value cannot run over several lines: "
                        "close the quote on this line)")
        if "expected after" in message:
            return [], "a quote mark in the middle of a value (write a quote inside quotes as \"\")"
        return [], f"not valid CSV ({message})"
    return cells, None


def _lock(path: Path) -> FileLock:
    """The lock every writer of `path` takes: two dashboard sessions never interleave."""
    return FileLock(str(path.with_name(f".{path.name}.lock")), timeout=30)


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one rename: a reader sees the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def _append_line(path: Path, cells: list[str]) -> int:
    """Append one CSV row under the lock, atomically; return its line number."""
    with _lock(path):
        old = path.read_text(encoding="utf-8-sig") if path.exists() else ""
        if not old.strip():
            old = _csv_line(COLUMNS)
        elif not old.endswith("\n"):
            old += "\n"
        _write_atomically(path, old + _csv_line(cells))
        return old.count("\n") + 1


def append_curation(path: str | Path, action: str, **fields: str) -> int:
    """Append one correction to the curation file (created with its header if missing); return
    its line number.

    For the dashboard: raises ValueError for a correction that `read_curation` would reject, so
    a bad click never writes a line that is later skipped. Line breaks and runs of spaces in a
    value become one space. The file is rewritten atomically under a lock, so two sessions
    writing at once both get their line in and a reader never sees half a file.
    """
    unknown = set(fields) - set(COLUMNS[1:])
    if unknown:
        raise ValueError(f"unknown curation fields: {', '.join(sorted(unknown))}")
    row = {c: " ".join(str(fields.get(c, "") or "").split()) for c in COLUMNS[1:]}
    row["action"] = action.strip().casefold()
    if row["action"] == "relabel":
        row["value"] = row["value"].upper()
    problem = _problem_in(row)
    if problem:
        raise ValueError(problem)
    return _append_line(Path(path), [row[c] for c in COLUMNS])


REJECT = "#reject"  # a comment line for read_curation: a suggested merge the analyst refused


def reject_suggestion(path: str | Path, entity_a: str, entity_b: str, note: str = "") -> int:
    """Remember that `entity_a` and `entity_b` are different (a refused suggestion), as a
    comment line (`#reject,A,B,,note`) that curation ignores and a rebuild keeps."""
    cells = [REJECT, *(" ".join(str(v).split()) for v in (entity_a, entity_b, "", note))]
    return _append_line(Path(path), cells)


def rejected_pairs(path: str | Path) -> set[frozenset[str]]:
    """Return the pairs of entity ids the analyst said are different."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return set()
    pairs = set()
    for line in text.splitlines():
        if line.startswith(REJECT + ","):
            try:
                cells = next(csv.reader([line]))
            except (csv.Error, StopIteration):
                continue
            if len(cells) >= 3 and cells[1] and cells[2]:
                pairs.add(frozenset((cells[1], cells[2])))
    return pairs


def remove_curation_line(path: str | Path, line: int, expected: dict[str, str]) -> bool:
    """Undo one correction: remove the record starting at `line` if it still says `expected`
    (action, entity, target, value); return False when the file changed meanwhile."""
    path = Path(path)
    with _lock(path):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return False
        physical = text.splitlines(keepends=True)
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        for cells in reader:
            end = reader.line_num  # the record spans lines start..end
            if start == line:
                values = dict(zip(COLUMNS, [c.strip() for c in cells], strict=False))
                values["action"] = values.get("action", "").casefold()
                if any(values.get(k, "") != v for k, v in expected.items()):
                    return False
                _write_atomically(path, "".join(physical[:start - 1] + physical[end:]))
                return True
            start = end + 1
        return False


@dataclass(frozen=True)
class Curated:
    mentions: pd.DataFrame
    entities: pd.DataFrame
    aliases: pd.DataFrame
    problems: list[str] = field(default_factory=list)  # lines that could not be applied
    # entity ids that no longer exist → where their mentions went (None: excluded), so other
    # tables holding entity ids (quotes.speaker_id) can follow
    moved: dict[str, str | None] = field(default_factory=dict)


def apply_curation(
    mentions: pd.DataFrame,
    entities: pd.DataFrame,
    aliases: pd.DataFrame,
    curation: pd.DataFrame,
    *,
    articles: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return mentions, entities and aliases with the corrections applied (see the module doc).

    Pure: the inputs are left alone. Give `articles` to recompute `first_seen`/`last_seen` exactly
    (without it a split-off entity has no dates); `sentiment` of changed entities is a mention-
    weighted mean, to be recomputed from the sentences by the caller when it has them.
    """
    result = curate(mentions, entities, aliases, curation, articles=articles)
    return result.mentions, result.entities, result.aliases


def curate(
    mentions: pd.DataFrame,
    entities: pd.DataFrame,
    aliases: pd.DataFrame,
    curation: pd.DataFrame,
    *,
    articles: pd.DataFrame | None = None,
    source: str = FILE_NAME,
) -> Curated:
    """Like `apply_curation`, and also say which lines could not be applied (unknown entity...)."""
    state = _State.start(mentions, entities, aliases)
    problems: list[str] = []
    for number, row in _rows(curation):
        where = f"{source} line {number}"
        problem = _problem_in(row)
        if problem is None:
            problem = _ACTIONS[row["action"]](state, row)
        if problem:
            problems.append(f"{where}: {problem}; line skipped")
    return state.finish(articles, problems)


def _rows(curation: pd.DataFrame) -> list[tuple[int, dict[str, str]]]:
    out = []
    for i, record in enumerate(curation.to_dict("records")):
        row = {c: ("" if pd.isna(record.get(c)) else str(record.get(c)).strip()) for c in COLUMNS}
        row["action"] = row["action"].casefold()
        line = record.get("line")
        out.append((int(line) if line is not None and not pd.isna(line) else i + 2, row))
    return out


@dataclass
class _State:
    """The tables being curated: mentions, one record per entity, each alias's rule."""

    mentions: pd.DataFrame
    entities: dict[str, dict[str, object]]
    rules: dict[tuple[str, str], str]
    moved: dict[str, str | None] = field(default_factory=dict)  # merged → into; excluded → None
    retired: set[str] = field(default_factory=set)  # ids that must not be minted again

    @classmethod
    def start(cls, mentions: pd.DataFrame, entities: pd.DataFrame, aliases: pd.DataFrame
              ) -> _State:
        records = {str(r["entity_id"]): r for r in entities.to_dict("records")}
        rules = {(str(e), str(s)): str(r) for e, s, r in
                 zip(aliases["entity_id"], aliases["surface"], aliases["rule"], strict=True)}
        return cls(mentions=mentions.copy(), entities=records, rules=rules,
                   retired=set(records))

    def find(self, ref: str) -> tuple[str | None, str | None]:
        """Return (entity_id, None) or (None, why not) for an id or a name."""
        seen = set()
        while ref in self.moved and ref not in seen:
            seen.add(ref)
            into = self.moved[ref]
            if into is None:
                return None, f"'{ref}' was excluded earlier"
            ref = into
        if ref in self.entities:
            return ref, None
        exact = [e for e, r in self.entities.items() if r["name"] == ref]
        if not exact:
            key = normalise_name(ref)
            exact = [e for e, r in self.entities.items() if normalise_name(str(r["name"])) == key]
        if len(exact) == 1:
            return exact[0], None
        if exact:
            ids = ", ".join(sorted(exact)[:5])
            return None, f"'{ref}' names {len(exact)} entities ({ids}): use the entity_id"
        return None, f"no entity '{ref}'"

    def finish(self, articles: pd.DataFrame | None, problems: list[str]) -> Curated:
        mentions = schema.conform("mentions", self.mentions.sort_values(
            ["article_id", "start", "end"], kind="stable"))
        frame = pd.DataFrame(list(self.entities.values()),
                             columns=schema.columns("entities"))
        if articles is not None and not mentions.empty:
            dates = entity_dates(mentions, articles)
            frame = frame.drop(columns=["first_seen", "last_seen"]).merge(
                dates, on="entity_id", how="left")
        frame = schema.conform("entities", frame) if len(frame) else schema.empty("entities")
        entities, aliases = summarise_entities(mentions, frame, self.rules)
        alive = set(entities["entity_id"])
        moved: dict[str, str | None] = {}
        for old in self.retired - alive:
            into, _ = self.find(old)
            moved[old] = into if into in alive else None
        return Curated(mentions=mentions, entities=entities, aliases=aliases, problems=problems,
                       moved=moved)

    def move(self, mask: pd.Series, into: str) -> None:
        """Move the mentions in `mask` to entity `into`; their aliases become curation's."""
        old = self.mentions.loc[mask, ["entity_id", "surface"]]
        for surface in set(old["surface"]):
            self.rules.setdefault((into, str(surface)), "curation")
        self.mentions.loc[mask, "entity_id"] = into


def _merge(state: _State, row: dict[str, str]) -> str | None:
    a, why = state.find(row["entity"])
    if a is None:
        return why
    b, why = state.find(row["target"])
    if b is None:
        return f"target: {why}"
    if a == b:
        return f"'{row['entity']}' and '{row['target']}' are already one entity ({a})"
    source, target = state.entities[a], state.entities[b]
    target["first_seen"] = _bound(min, source["first_seen"], target["first_seen"])
    target["last_seen"] = _bound(max, source["last_seen"], target["last_seen"])
    counts = state.mentions["entity_id"].value_counts()
    target["sentiment"] = _weighted([(source["sentiment"], int(counts.get(a, 0))),
                                     (target["sentiment"], int(counts.get(b, 0)))])
    state.move(state.mentions["entity_id"] == a, b)
    del state.entities[a]
    state.moved[a] = b
    return None


def _rename(state: _State, row: dict[str, str]) -> str | None:
    a, why = state.find(row["entity"])
    if a is None:
        return why
    state.entities[a]["name"] = row["value"]
    return None


def _relabel(state: _State, row: dict[str, str]) -> str | None:
    a, why = state.find(row["entity"])
    if a is None:
        return why
    state.entities[a]["label"] = row["value"].upper()
    return None


def _exclude(state: _State, row: dict[str, str]) -> str | None:
    a, why = state.find(row["entity"])
    if a is None:
        return why
    state.mentions = state.mentions[state.mentions["entity_id"] != a]
    del state.entities[a]
    state.moved[a] = None
    return None


def _split(state: _State, row: dict[str, str]) -> str | None:
    a, why = state.find(row["entity"])
    if a is None:
        return why
    mine = state.mentions["entity_id"] == a
    mask = mine & (state.mentions["surface"] == row["value"])
    if not mask.any():
        key = normalise_name(row["value"])
        keys = state.mentions.loc[mine, "surface"].map(normalise_name)
        mask = mine & state.mentions.index.isin(keys.index[keys == key])
    if not mask.any():
        return f"'{row['value']}' is not an alias of {a}"
    if row["target"]:
        into, why = state.find(row["target"])
        if into is None:
            return f"target: {why}"
        if into == a:
            return f"target is {a} itself"
    else:
        moved = state.mentions.loc[mask]
        label = majority_label(moved["label"])
        name = display_name(str(moved["surface"].value_counts().index[0]))
        into = make_entity_id(label, name, state.retired | set(state.entities))
        state.entities[into] = {
            "entity_id": into, "name": name, "label": label, "aliases": "",
            "n_mentions": 0, "n_articles": 0, "sentiment": None,
            "first_seen": None, "last_seen": None,
        }
        state.retired.add(into)
    state.move(mask, into)
    return None


def _bound(pick: Callable[[pd.Timestamp, pd.Timestamp], pd.Timestamp], a: object, b: object
           ) -> object:
    values = [v for v in (a, b) if v is not None and not pd.isna(v)]
    return pick(*values) if len(values) == 2 else (values[0] if values else None)


def _weighted(scores: list[tuple[object, int]]) -> float | None:
    """Mention-weighted mean of the known sentiments: a stand-in until the caller rescores."""
    pairs = [(float(str(s)), n) for s, n in scores if s is not None and not pd.isna(s)]
    weight = sum(n for _, n in pairs)
    if not pairs:
        return None
    return sum(s * n for s, n in pairs) / weight if weight else pairs[0][0]


_ACTIONS: dict[str, Callable[[_State, dict[str, str]], str | None]] = {
    "merge": _merge, "rename": _rename, "relabel": _relabel, "exclude": _exclude, "split": _split,
}
