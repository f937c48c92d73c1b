"""Build and CLI: corpus in → dataset out, what a user sees on the seeds and on their own files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import store
from pipeline.annotate import model_version
from pipeline.build import BuildOptions, build
from pipeline.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_seeds_give_five_articles_with_titles_and_dates_from_metadata(seed_tables):
    articles = seed_tables["articles"].sort_values("origin")
    metadata = pd.read_csv(SEEDS / "metadata.csv").sort_values("file")
    assert len(articles) == 5
    assert [Path(o).name for o in articles["origin"]] == metadata["file"].tolist()
    assert articles["title"].tolist() == metadata["title"].tolist()
    assert articles["published"].dt.strftime("%Y-%m-%d").tolist() == metadata["published"].tolist()
    assert set(articles["date_source"]) == {"metadata"}
    assert set(articles["language"]) == {"fr"}
    assert articles.iloc[4]["source"] == "TechCrunch"


def test_seed_texts_lose_their_page_furniture_and_keep_their_words(seed_tables):
    for text in seed_tables["articles"]["text"]:
        for furniture in ("Laisser un commentaire", "Partagez cet article",
                          "Lire plus d'articles", "article précédent", "article suivant"):
            assert furniture not in text
    first = seed_tables["articles"].sort_values("origin").iloc[0]
    assert first["text"].lstrip().startswith("- Sam Altman a été contraint")
    assert "Laisser un commentaire" in "\n".join(seed_tables["articles"]["boilerplate"].dropna())


def test_rebuilding_an_unchanged_corpus_reuses_every_article(tmp_path, french_nlp):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    out = tmp_path / "ds"
    first = build([corpus], out, loaded_models={"fr": french_nlp})
    again = build([corpus], out, loaded_models={"fr": french_nlp})
    assert (first.reused, again.reused) == (0, 5)
    for name in ("sentences", "mentions", "entities"):
        pd.testing.assert_frame_equal(first.tables[name], again.tables[name])

    # one new article costs one article
    (corpus / "new.txt").write_text("Un nouvel article\nSatya Nadella a parlé à Paris.\n")
    seen: list[tuple[int, int]] = []
    third = build([corpus], out, loaded_models={"fr": french_nlp},
                  progress=lambda done, total: seen.append((done, total)))
    assert third.reused == 5
    assert seen[-1] == (1, 1)
    assert len(third.tables["articles"]) == 6


def test_articles_without_a_model_are_reported_not_lost(tmp_path, french_nlp):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fr.txt").write_text("Titre\nSam Altman est revenu chez OpenAI après cinq jours "
                                   "de chaos, a annoncé le conseil d'administration mardi.\n")
    (corpus / "en.txt").write_text("Title\nSam Altman returned to OpenAI after five days of "
                                   "chaos, the board announced on Tuesday evening.\n")
    (corpus / "de.txt").write_text("Titel\nSam Altman kehrte nach fünf Tagen Chaos zu OpenAI "
                                   "zurück, teilte der Verwaltungsrat am Dienstag mit.\n")
    options = BuildOptions(models={"fr": "fr_core_news_md", "en": "no_such_model_sm"})
    result = build([corpus], tmp_path / "ds", options=options, loaded_models={"fr": french_nlp})
    report = dict(zip(result.tables["report"]["origin"].map(lambda o: Path(o).name),
                      result.tables["report"]["reason"], strict=True))
    assert result.tables["articles"]["origin"].map(lambda o: Path(o).name).tolist() == ["fr.txt"]
    assert report["en.txt"].startswith("no English model installed")
    assert "not supported" in report["de.txt"]


def test_cli_build_prints_a_summary_and_writes_the_dataset(tmp_path, capsys):
    status = main(["build", str(SEEDS), "--out", str(tmp_path / "ds"),
                   "--model", "fr_core_news_sm"])
    out = capsys.readouterr().out
    assert status == 0
    assert "articles" in out and "words/s" in out and "skipped" in out
    manifest = json.loads((tmp_path / "ds" / store.MANIFEST_FILE).read_text())
    assert manifest["models"]["fr"] == f"fr_core_news_sm=={model_version('fr_core_news_sm')}"
    assert manifest["counts"]["articles"] == 5
    assert len(manifest["text_hashes"]) == 5


@pytest.mark.parametrize("args", [
    ["build", "no/such/folder", "--out", "x"],
    ["entities", "no/such/dataset"],
])
def test_cli_errors_are_one_line_without_traceback(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err and err.count("\n") == 1


def test_cli_entities_lists_the_people(seed_build, capsys):
    assert main(["entities", str(seed_build.path), "--limit", "20"]) == 0
    assert "Sam Altman" in capsys.readouterr().out


def test_a_new_annotate_stage_invalidates_the_cached_annotations(tmp_path, french_nlp,
                                                                  monkeypatch):
    import pipeline.build

    build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp})
    monkeypatch.setattr(pipeline.build, "_ANNOTATE_CODE", "changed")
    assert build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp}).reused == 0
