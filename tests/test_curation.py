"""Curation: reading the analyst's file (bad lines reported by number, never raising), each action
applied to the tables with counts and aliases kept consistent, and the file round-trip."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import schema
from pipeline.curation import (
    COLUMNS,
    append_curation,
    apply_curation,
    curate,
    read_curation,
    reject_suggestion,
    rejected_pairs,
    remove_curation_line,
)
from pipeline.resolve import resolve_entities

TEXTS = {
    "a": "Sam Altman quitte OpenAI. Altman et Greg Brockman partent chez Microsoft. Laisser.",
    "b": "Selon Altman, OpenAI et Openai vont bien. Sam a dit oui. Laisser faire.",
    "c": "Microsoft paie. Brockman code pour OpenAI. Laisser.",
}
SPANS = [
    ("a", "Sam Altman", "PER"), ("a", "OpenAI", "MISC"), ("a", "Altman", "PER"),
    ("a", "Greg Brockman", "PER"), ("a", "Microsoft", "ORG"), ("a", "Laisser", "PER"),
    ("b", "Altman", "PER"), ("b", "OpenAI", "ORG"), ("b", "Openai", "ORG"), ("b", "Sam", "PER"),
    ("b", "Laisser", "PER"),
    ("c", "Microsoft", "ORG"), ("c", "Brockman", "PER"), ("c", "OpenAI", "MISC"),
    ("c", "Laisser", "PER"),
]
PUBLISHED = {"a": "2023-11-17", "b": "2023-11-20", "c": "2024-08-09"}


def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows: list[tuple[str, int, int, int, str, str]] = []
    for aid, surface, label in SPANS:  # the first occurrence overlapping no earlier span
        start = TEXTS[aid].index(surface)
        while any(r[0] == aid and r[2] < start + len(surface) and start < r[3] for r in rows):
            start = TEXTS[aid].index(surface, start + 1)
        rows.append((aid, 0, start, start + len(surface), surface, label))
    spans = pd.DataFrame(rows, columns=["article_id", "sentence_id", "start", "end", "surface",
                                        "label"])
    articles = pd.DataFrame({
        "article_id": list(TEXTS), "text": list(TEXTS.values()), "language": "fr",
        "published": pd.to_datetime([PUBLISHED[a] for a in TEXTS]).astype("datetime64[us]"),
    })
    resolved = resolve_entities(spans, articles)
    return resolved.mentions, resolved.entities, resolved.aliases, articles


def rows(*lines: tuple[str, ...]) -> pd.DataFrame:
    records = [dict(zip(COLUMNS, (*line, "", "", "", "", "")[:5], strict=True)) for line in lines]
    return pd.DataFrame(records, columns=COLUMNS)


def check(mentions: pd.DataFrame, entities: pd.DataFrame, aliases: pd.DataFrame) -> None:
    """Schemas hold, and counts and aliases agree with the mentions."""
    schema.check("mentions", mentions)
    schema.check("entities", entities)
    schema.check("aliases", aliases)
    e = entities.set_index("entity_id")
    assert set(mentions["entity_id"]) == set(e.index)
    counts = mentions.groupby("entity_id").agg(n=("start", "size"), a=("article_id", "nunique"))
    assert (counts["n"] == e.loc[counts.index, "n_mentions"]).all()
    assert (counts["a"] == e.loc[counts.index, "n_articles"]).all()
    per_surface = mentions.groupby(["entity_id", "surface"]).size()
    assert per_surface.to_dict() == aliases.set_index(["entity_id", "surface"])[
        "n_mentions"].to_dict()
    for eid, text in e["aliases"].items():
        assert sum(int(part.rsplit("(", 1)[1][:-1]) for part in text.split("; ")) == \
            e.loc[eid, "n_mentions"]


def test_the_fixture_resolves_as_expected():
    mentions, entities, aliases, _ = tables()
    check(mentions, entities, aliases)
    ids = set(entities["entity_id"])
    assert {"per:sam-altman", "per:greg-brockman", "org:microsoft", "per:laisser"} <= ids
    assert entities.set_index("entity_id").loc["per:sam-altman", "n_mentions"] == 3


# --- reading the file ----------------------------------------------------------------------


def test_read_curation_reports_bad_lines_by_number_and_keeps_the_rest(tmp_path):
    path = tmp_path / "curation.csv"
    path.write_text(
        "action,entity,target,value,note\n"
        "merge,Altman,per:sam-altman,,same person\n"
        "\n"
        "merg,Altman,per:sam-altman,,\n"
        "# a comment line\n"
        "relabel,Laisser,,VERB,\n"
        "merge,Altman,,,\n"
        'merge,"Altman, Sam",x,,note,extra\n'
        "rename,openai,,\"OpenAI, Inc.\",quoted comma\n"
        "exclude,,,,\n",
        encoding="utf-8")
    curation, problems = read_curation(path)
    assert list(curation["action"]) == ["merge", "rename"]
    assert list(curation["line"]) == [2, 9]
    assert curation["value"].iloc[1] == "OpenAI, Inc."
    assert problems[0].startswith("curation.csv line 4: unknown action 'merg'")
    assert "did you mean 'merge'" in problems[0]
    assert [p.split(":")[0] for p in problems] == [
        "curation.csv line 4", "curation.csv line 6", "curation.csv line 7",
        "curation.csv line 8", "curation.csv line 10"]
    assert "not a label" in problems[1]
    assert "target" in problems[2]


def test_read_curation_missing_file_empty_file_and_no_header(tmp_path):
    curation, problems = read_curation(tmp_path / "curation.csv")
    assert curation.empty and problems == []
    assert list(curation.columns) == [*COLUMNS, "line"]
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert read_curation(tmp_path / "empty.csv")[0].empty
    (tmp_path / "bare.csv").write_text("exclude,Laisser,,,\n", encoding="utf-8")
    curation, problems = read_curation(tmp_path / "bare.csv")
    assert list(curation["entity"]) == ["Laisser"]
    assert problems and "line 1: no header" in problems[0]


def test_read_curation_accepts_columns_in_another_order_and_a_bom(tmp_path):
    path = tmp_path / "curation.csv"
    path.write_bytes("\ufeffentity,action,value\nLaisser,exclude,\nopenai,rename,OpenAI\n".encode())
    curation, problems = read_curation(path)
    assert problems == []
    assert list(curation["action"]) == ["exclude", "rename"]
    assert list(curation["entity"]) == ["Laisser", "openai"]


def test_append_then_read_round_trips(tmp_path):
    path = tmp_path / "curation.csv"
    append_curation(path, "merge", entity="Altman", target="per:sam-altman",
                    note='he said "yes", twice')
    append_curation(path, "relabel", entity="Laisser", value="misc")
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")  # hand edit
    append_curation(path, "split", entity="per:sam-altman", value="Sam")
    curation, problems = read_curation(path)
    assert problems == []
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert list(curation["action"]) == ["merge", "relabel", "split"]
    assert curation["note"].iloc[0] == 'he said "yes", twice'
    assert curation["value"].iloc[1] == "MISC"
    with pytest.raises(ValueError, match="unknown action"):
        append_curation(path, "merg", entity="a", target="b")
    with pytest.raises(ValueError, match="target"):
        append_curation(path, "merge", entity="a")
    with pytest.raises(ValueError, match="unknown curation fields"):
        append_curation(path, "exclude", entity="a", colour="red")
    assert len(read_curation(path)[0]) == 3


def _append_many(path: str, who: int) -> None:
    for i in range(25):
        append_curation(path, "rename", entity=f"per:p{who}-{i}", value=f"Name {who} {i}")


def test_two_sessions_appending_at_once_lose_nothing(tmp_path):
    import multiprocessing

    path = tmp_path / "curation.csv"
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_many, args=(str(path), w)) for w in range(4)]
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    curation, problems = read_curation(path)
    assert problems == []
    assert len(curation) == 100
    assert set(curation["entity"]) == {f"per:p{w}-{i}" for w in range(4) for i in range(25)}
    assert path.read_text(encoding="utf-8").count(",".join(COLUMNS)) == 1
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_a_line_break_in_a_new_name_becomes_a_space(tmp_path):
    path = tmp_path / "curation.csv"
    line = append_curation(path, "rename", entity="per:x", value="Sam\nAltman\r\n  Jr")
    curation, _ = read_curation(path)
    assert line == 2 and curation["value"].tolist() == ["Sam Altman Jr"]


def test_undo_removes_exactly_that_line(tmp_path):
    path = tmp_path / "curation.csv"
    append_curation(path, "exclude", entity="Laisser")
    second = append_curation(path, "merge", entity="Altman", target="per:sam-altman",
                             note='a "quoted", note')
    append_curation(path, "relabel", entity="misc:openai", value="ORG")
    expected = {"action": "merge", "entity": "Altman", "target": "per:sam-altman", "value": ""}
    # the file changed meanwhile (another session): nothing removed
    assert not remove_curation_line(path, second, {**expected, "entity": "Sam"})
    assert remove_curation_line(path, second, expected)
    curation, problems = read_curation(path)
    assert problems == [] and list(curation["action"]) == ["exclude", "relabel"]
    assert not remove_curation_line(path, 99, expected)


def test_rejected_suggestions_are_remembered_and_ignored_by_curation(tmp_path):
    path = tmp_path / "curation.csv"
    append_curation(path, "exclude", entity="Laisser")
    reject_suggestion(path, "per:sam", "per:sam-altman", note="another Sam")
    assert rejected_pairs(path) == {frozenset(("per:sam", "per:sam-altman"))}
    curation, problems = read_curation(path)
    assert problems == [] and list(curation["action"]) == ["exclude"]
    assert rejected_pairs(tmp_path / "missing.csv") == set()


# --- applying it ---------------------------------------------------------------------------


def test_merge_by_name_into_id():
    mentions, entities, aliases, articles = tables()
    assert "per:sam" in set(entities["entity_id"])  # a bare first name, left alone by the rules
    m, e, a = apply_curation(mentions, entities, aliases, rows(("merge", "Sam", "per:sam-altman")),
                             articles=articles)
    check(m, e, a)
    assert "per:sam" not in set(e["entity_id"])
    altman = e.set_index("entity_id").loc["per:sam-altman"]
    assert altman["n_mentions"] == 4 and altman["name"] == "Sam Altman"
    assert a.set_index(["entity_id", "surface"]).loc[("per:sam-altman", "Sam"), "rule"] == \
        "curation"
    assert a.set_index(["entity_id", "surface"]).loc[("per:sam-altman", "Altman"), "rule"] == \
        "surname"  # untouched aliases keep their rule


def test_merge_keeps_the_date_range_without_articles():
    mentions, entities, aliases, _ = tables()
    m, e, a = apply_curation(mentions, entities, aliases,
                             rows(("merge", "Laisser", "Microsoft")))
    check(m, e, a)
    row = e.set_index("entity_id").loc["org:microsoft"]
    assert row["first_seen"] == pd.Timestamp("2023-11-17")
    assert row["last_seen"] == pd.Timestamp("2024-08-09")


def test_rename_and_relabel_keep_the_id():
    mentions, entities, aliases, _ = tables()
    m, e, a = apply_curation(mentions, entities, aliases, rows(
        ("rename", "openai", "", "OpenAI Inc."), ("relabel", "OpenAI Inc.", "", "org")))
    check(m, e, a)
    openai = e[e["name"] == "OpenAI Inc."]
    assert len(openai) == 1 and openai["label"].iloc[0] == "ORG"
    assert openai["entity_id"].iloc[0] in set(entities["entity_id"])


def test_exclude_removes_the_false_positive_and_its_mentions():
    mentions, entities, aliases, _ = tables()
    result = curate(mentions, entities, aliases,
                    rows(("exclude", "per:laisser"), ("rename", "per:laisser", "", "x")))
    check(result.mentions, result.entities, result.aliases)
    assert "Laisser" not in set(result.mentions["surface"])
    assert "per:laisser" not in set(result.entities["entity_id"])
    assert len(result.mentions) == len(mentions) - 3
    assert result.problems == ["curation.csv line 3: 'per:laisser' was excluded earlier; "
                               "line skipped"]


def test_split_an_alias_into_a_new_entity_or_a_target():
    mentions, entities, aliases, articles = tables()
    m, e, a = apply_curation(mentions, entities, aliases,
                             rows(("split", "per:sam-altman", "", "altman")), articles=articles)
    check(m, e, a)
    new = e.set_index("entity_id").loc["per:altman"]
    assert new["n_mentions"] == 2 and new["name"] == "Altman"  # as written, not as typed
    assert new["first_seen"] == pd.Timestamp("2023-11-17")
    assert e.set_index("entity_id").loc["per:sam-altman", "n_mentions"] == 1
    m, e, a = apply_curation(mentions, entities, aliases,
                             rows(("split", "per:greg-brockman", "Microsoft", "Brockman")))
    check(m, e, a)
    assert set(m.loc[m["surface"] == "Brockman", "entity_id"]) == {"org:microsoft"}


def test_later_lines_follow_earlier_merges_and_unknown_entities_are_reported():
    mentions, entities, aliases, _ = tables()
    result = curate(mentions, entities, aliases, rows(
        ("merge", "per:sam", "per:sam-altman"),
        ("rename", "per:sam", "", "Samuel Altman"),  # the merged id still points somewhere
        ("merge", "Nobody", "per:sam-altman"),
        ("merge", "per:sam-altman", "Samuel Altman"),
        ("relabel", "Microsoft", "", "PLANET"),
    ))
    check(result.mentions, result.entities, result.aliases)
    assert result.entities.set_index("entity_id").loc["per:sam-altman", "name"] == \
        "Samuel Altman"
    assert [p.split(":")[0] for p in result.problems] == [
        "curation.csv line 4", "curation.csv line 5", "curation.csv line 6"]
    assert "no entity 'Nobody'" in result.problems[0]
    assert "already one entity" in result.problems[1]
    assert result.moved == {"per:sam": "per:sam-altman"}  # for quotes.speaker_id and links
    excluded = curate(mentions, entities, aliases, rows(("exclude", "Laisser")))
    assert excluded.moved == {"per:laisser": None}


def test_ambiguous_names_must_be_ids():
    mentions, entities, aliases, _ = tables()
    entities = entities.copy()
    entities.loc[entities["entity_id"] == "per:laisser", "name"] = "Microsoft"
    result = curate(mentions, entities, aliases, rows(("exclude", "Microsoft")))
    assert "names 2 entities" in result.problems[0]
    assert len(result.mentions) == len(mentions)


def test_empty_curation_and_empty_tables_and_inputs_untouched():
    mentions, entities, aliases, _ = tables()
    before = mentions.copy(), entities.copy(), aliases.copy()
    m, e, a = apply_curation(mentions, entities, aliases, pd.DataFrame(columns=COLUMNS))
    check(m, e, a)
    pd.testing.assert_frame_equal(e, before[1])
    m, e, a = apply_curation(mentions, entities, aliases,
                             rows(("merge", "Laisser", "Microsoft"), ("exclude", "OpenAI")))
    for frame, original in zip((mentions, entities, aliases), before, strict=True):
        pd.testing.assert_frame_equal(frame, original)
    empty = [schema.empty(t) for t in ("mentions", "entities", "aliases")]
    m, e, a = apply_curation(*empty, rows(("exclude", "OpenAI")))
    for name, frame in zip(("mentions", "entities", "aliases"), (m, e, a), strict=True):
        schema.check(name, frame)
        assert frame.empty


ACTION_ROWS = st.one_of(
    st.tuples(st.just("merge"), st.sampled_from(["Sam", "Laisser", "per:sam-altman", "OpenAI"]),
              st.sampled_from(["Microsoft", "per:sam-altman", "Greg Brockman"])),
    st.tuples(st.just("exclude"), st.sampled_from(["Laisser", "Microsoft", "Sam"])),
    st.tuples(st.just("split"), st.sampled_from(["per:sam-altman", "OpenAI"]), st.just(""),
              st.sampled_from(["Altman", "Openai", "Sam Altman"])),
    st.tuples(st.just("rename"), st.sampled_from(["OpenAI", "Sam"]), st.just(""),
              st.sampled_from(["Open AI", "Samuel"])),
    st.tuples(st.just("relabel"), st.sampled_from(["OpenAI", "Microsoft"]), st.just(""),
              st.sampled_from(["ORG", "loc"])),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(ACTION_ROWS, max_size=6))
def test_any_sequence_of_corrections_keeps_the_tables_consistent(lines):
    mentions, entities, aliases, articles = tables()
    result = curate(mentions, entities, aliases, rows(*lines), articles=articles)
    check(result.mentions, result.entities, result.aliases)
    kept = set(zip(result.mentions["article_id"], result.mentions["start"], strict=True))
    assert kept <= set(zip(mentions["article_id"], mentions["start"], strict=True))


# --- from the dashboard (AppTest) ------------------------------------------------------------

def test_merge_and_undo_from_the_entity_page(seed_build, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    dataset = tmp_path / "seeds"
    shutil.copytree(seed_build.path, dataset)
    monkeypatch.setenv("REVUE_DATA", str(dataset))
    app = str(Path(__file__).resolve().parent.parent / "dashboard.py")
    at = AppTest.from_file(app, default_timeout=60)
    at.query_params.update({"entity": "org:microsoft"})
    at.switch_page("revue_app/pages/entity.py")
    at.run(timeout=60)
    assert not at.exception
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="cur_merge_target").set_value("misc:openai").run(timeout=60)
    at.button(key="cur_merge").click().run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    curation, problems = read_curation(dataset / "curation.csv")
    assert problems == [] and curation[["action", "entity", "target"]].values.tolist() == [
        ["merge", "org:microsoft", "misc:openai"]]
    # the page follows the merged entity, with a notice; every page sees the change at once
    assert at.selectbox(key="entity").value == "misc:openai"
    assert at.query_params["entity"] in ("misc:openai", ["misc:openai"])
    assert any("Merged" in i.value for i in at.info)
    assert not any(o.startswith("Microsoft · ORG") for o in at.selectbox(key="entity").options)
    merged = {m.label: m.value for m in at.metric}
    assert int(merged["Mentions"]) > int(before["Mentions"])
    at.switch_page("revue_app/pages/network.py")
    at.run(timeout=60)
    assert "Microsoft" not in " ".join(at.selectbox(key="pair").options)
    # undo from the list: the line is gone and Microsoft is back
    at.switch_page("revue_app/pages/entity.py")
    at.run(timeout=60)
    at.button(key="undo-2").click().run(timeout=60)
    assert not at.exception
    assert read_curation(dataset / "curation.csv")[0].empty
    assert any(o.startswith("Microsoft · ORG") for o in at.selectbox(key="entity").options)


def test_suggestions_accept_and_reject_from_the_entity_page(seed_build, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from pipeline.resolve import suggest_merges

    dataset = tmp_path / "seeds"
    shutil.copytree(seed_build.path, dataset)
    monkeypatch.setenv("REVUE_DATA", str(dataset))
    suggested = suggest_merges(seed_build.tables["entities"], seed_build.tables["aliases"],
                               limit=60)
    assert len(suggested) >= 2
    app = str(Path(__file__).resolve().parent.parent / "dashboard.py")
    at = AppTest.from_file(app, default_timeout=60)
    at.switch_page("revue_app/pages/entity.py")
    at.run(timeout=60)
    first, second = suggested.iloc[0], suggested.iloc[1]
    at.button(key="sugg-no-0").click().run(timeout=60)
    assert rejected_pairs(dataset / "curation.csv") == {
        frozenset((first["entity_a"], first["entity_b"]))}
    assert not at.exception
    # the refused pair is not offered again: the next one is first now, and accepting merges it
    at.button(key="sugg-yes-0").click().run(timeout=60)
    curation, _ = read_curation(dataset / "curation.csv")
    assert curation[["action", "entity", "target"]].values.tolist() == [
        ["merge", second["entity_a"], second["entity_b"]]]
    assert not any(o.startswith(f"{second['name_a']} · ")
                   for o in at.selectbox(key="entity").options)
