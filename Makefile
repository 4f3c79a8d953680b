# The study's two commands: `make study` (set up from nothing, rebuild everything) and `make test`.
# Only Python 3.11 with venv/pip and the package registry are needed (no conda).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORPUS ?= seeds
OUT    ?= data
UV_VERSION := 0.13.8

.PHONY: study test pipeline notebooks env lock clean-venv

study: env pipeline notebooks  ## rebuild data/, every notebook (executed in place) and figures/

env: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

pipeline: env
	$(BIN)/python -m analysis run --corpus $(CORPUS) --out $(OUT)

notebooks: env
	$(BIN)/python -m analysis notebooks

test: env  ## unit tests for analysis/ and nbval on notebooks/; fails if rerunning the notebooks changes data/ or figures/
	@find data figures -type f -print0 | sort -z | xargs -0 sha256sum > $(VENV)/fresh.before
	$(BIN)/python -m pytest --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks
	@find data figures -type f -print0 | sort -z | xargs -0 sha256sum | diff $(VENV)/fresh.before - \
	  || { echo "data/ or figures/ changed when the notebooks ran: they were stale (run make study and commit)"; exit 1; }

lock:  ## re-pin requirements.txt and environment.yml after editing requirements.in
	$(BIN)/uv pip compile --quiet --python-version 3.11 requirements.in -o requirements.txt
	$(BIN)/python -m analysis.envfile

clean-venv:
	rm -rf $(VENV)
