# The study's two commands: `make study` (set up from nothing, rebuild everything) and `make test`.
# Only Python 3.11 with venv/pip and the package registry are needed (no conda).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DASK_STAMP := $(VENV)/.installed-dask
CORPUS ?= seeds
ifeq ($(CORPUS),seeds)
OUT    ?= data
STUDY_STEPS := pipeline notebooks
else  # your own corpus: its tables go to runs/<folder name>/; the notebooks stay those of the seed study
OUT    ?= runs/$(notdir $(patsubst %/,%,$(CORPUS)))
STUDY_STEPS := pipeline
endif
UV_VERSION := 0.13.8

.PHONY: study test pipeline notebooks env env-dask bench repeat-nbval lock clean-venv site

study: env $(STUDY_STEPS)  ## rebuild data/, every notebook (executed in place) and figures/; CORPUS=DIR: DIR's tables in runs/

env: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

env-dask: $(DASK_STAMP)  ## the optional Dask engine (python -m analysis run --engine dask)

$(DASK_STAMP): $(STAMP) requirements-dask.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dask.txt
	@touch $(DASK_STAMP)

pipeline: env  ## exit status 3 (some files skipped, each named above) is reported, not fatal
	$(BIN)/python -m analysis run --corpus $(CORPUS) --out $(OUT) \
	  || { status=$$?; [ $$status -eq 3 ] && echo "some files were skipped (see above); tables in $(OUT)/" || exit $$status; }

notebooks: env
	$(BIN)/python -m analysis notebooks

bench: env  ## time the pipeline on synthetic corpora of 1x, 10x, 100x, 1000x the seeds (prints a table)
	$(BIN)/python -m analysis bench

test: env env-dask  ## unit tests for analysis/ and nbval on notebooks/; fails if rerunning the notebooks changes data/ or figures/
	@find data figures -type f -print0 | sort -z | xargs -0 sha256sum > $(VENV)/fresh.before
	STUDY_REQUIRE_DASK=1 $(BIN)/python -m pytest --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks
	@find data figures -type f -print0 | sort -z | xargs -0 sha256sum | diff $(VENV)/fresh.before - \
	  || { echo "data/ or figures/ changed when the notebooks ran: they were stale (run make study and commit)"; exit 1; }

repeat-nbval: env  ## nbval on every notebook RUNS times in a row (default 10): a flaky output fails it
	@for i in $$(seq $(or $(RUNS),10)); do echo "nbval run $$i"; \
	  $(BIN)/python -m pytest -q --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks || exit 1; done

site: env  ## the rendered study: static HTML from the committed notebooks (not re-executed), offline; prints index.html
	$(BIN)/python -m analysis.site --out _build/site

lock:  ## re-pin requirements.txt and environment.yml after editing requirements.in
	$(BIN)/uv pip compile --quiet --python-version 3.11 requirements.in -o requirements.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 requirements-dask.in -o requirements-dask.txt
	$(BIN)/python -m analysis.envfile

clean-venv:
	rm -rf $(VENV)
