"""Shared fixtures: the seed dataset is built once per test session, from the project's seeds/."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def french_nlp():
    """The default French pipeline, loaded once (a few seconds)."""
    from pipeline.annotate import DEFAULT_MODELS, load_model

    return load_model(DEFAULT_MODELS["fr"])


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory, french_nlp):
    """The result of `build(seeds/)`: tables, manifest and the dataset directory."""
    from pipeline.build import build

    out = tmp_path_factory.mktemp("datasets") / "seeds"
    return build([SEEDS], out, loaded_models={"fr": french_nlp})


@pytest.fixture(scope="session")
def seed_tables(seed_build):
    return seed_build.tables
