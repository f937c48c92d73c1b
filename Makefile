# One command does everything: `make run` and `make test` set the project up first.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
DATA    ?= data/seeds
STAMP   := $(VENV)/.installed
UV      := $(BIN)/uv pip

.PHONY: install run test lint bench bench-app eval lock seeds clean screenshots

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Revue needs Python 3.11 ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "uv>=0.5,<1"

# Reinstall only when the lock changes.
$(STAMP): requirements-dev.txt pyproject.toml | $(BIN)/python
	$(UV) sync --python $(BIN)/python --quiet requirements-dev.txt
	$(UV) install --python $(BIN)/python --quiet --no-deps -e .
	@touch $@

install: $(STAMP)

# The seed dataset is rebuilt when the seeds or the pipeline change (unchanged articles are reused).
$(DATA)/manifest.json: $(STAMP) $(wildcard seeds/*) $(wildcard pipeline/*.py)
	$(BIN)/python -m pipeline build seeds --out $(DATA)

seeds: $(DATA)/manifest.json

run: seeds
	$(BIN)/streamlit run dashboard.py --server.address 127.0.0.1 --server.port 8501

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy pipeline revue_app dashboard.py

test: lint
	$(BIN)/python -m pytest

# The README's screenshots (docs/screenshots/*.png), taken in headless Chromium; never by `test`.
screenshots: seeds
	REVUE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_browser.py -q -m browser -k test_page_renders

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The dev set is read where it lies (never copied); without it only the seeds are scored.
DEVSET      ?= ../shared/devset
DEVSET_DATA ?= data/devset

# The dashboard at 100k articles (dataset made once under data/bench-app/), in-process and on a
# real server with headless-Chromium sessions; see bench/app.py.
bench-app: $(STAMP)
	$(BIN)/python bench/app.py

eval: seeds
	@if [ -f "$(DEVSET)/metadata.csv" ]; then \
	  $(BIN)/python -m pipeline build $(DEVSET)/texts --metadata $(DEVSET)/metadata.csv \
	    --out $(DEVSET_DATA) >/dev/null || exit 1; \
	else \
	  echo "No dev set at $(DEVSET): scoring the seeds only (make eval DEVSET=path/to/devset)"; \
	fi
	$(BIN)/python -m pipeline eval $(DATA) --devset $(DEVSET) --devset-data $(DEVSET_DATA)

# Regenerate the pinned locks from pyproject.toml (needs the package index).
lock: | $(BIN)/python
	$(UV) compile pyproject.toml --python-version 3.11 --quiet -o requirements.txt
	$(UV) compile pyproject.toml --group dev --python-version 3.11 --quiet -o requirements-dev.txt

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
