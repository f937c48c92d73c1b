"""Opening a dataset applies the analyst's curation without re-running NLP."""

from __future__ import annotations

import shutil

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
