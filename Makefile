# The user's entry point. `make help` lists the targets.
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
# Stage commands in dvc.yaml call `python`: make it the project's venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export DVC_NO_ANALYTICS := 1

.PHONY: help audio test test-fast test-browser lint bench pull prune clean-cache clean-venv

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo '  make audio KEYWORD="백자 달항아리"   narrate one keyword (added to params.yaml if new)'

# Rebuilt only when requirements.txt changes.
$(STAMP): requirements.txt
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# KEYWORD is taken as typed: make would expand $(...) in it (even $(shell ...)) when it exports it to the
# recipe, so it is frozen unexpanded first. It reaches the recipe only through the environment, as "$$KEYWORD".
ifdef KEYWORD
override KEYWORD := $(value KEYWORD)
export KEYWORD
endif

# With KEYWORD: that keyword alone (facts, narration, speech), outside DVC (stages/preview.py), so no other keyword
# is made or billed; the next plain `make audio` adds it to the guide.
audio: $(STAMP) ## Narrate every keyword in params.yaml (dvc repro)
	@$(PYTHON) -m stages.check_params
ifdef KEYWORD
	@$(PYTHON) -m stages.keywords "$$KEYWORD"
	@$(PYTHON) -m stages.preview "$$KEYWORD"
else
	dvc repro
endif

# -rs prints why a test was skipped (the browser tests, where Chromium is missing) in one line.
test: $(STAMP) ## Run the whole test suite (what CI runs)
	$(PYTHON) -m pytest -q -rs -n 2 tests

test-fast: $(STAMP) ## The everyday loop: every test but the slow real-dvc ones and the browser ones, on both cores
	$(PYTHON) -m pytest -q -n 2 -m "not slow and not browser" tests

test-browser: $(STAMP) ## The guide in headless Chromium (Debian's chromium and chromium-driver), on both cores
	$(PYTHON) -m pytest -q -rs -n 2 -m "browser" tests

lint: $(STAMP) ## Check the code with ruff (configured in pyproject.toml)
	$(PYTHON) -m ruff check stages tests bench

# Minutes, not seconds, so not part of `make test`. BENCH_ARGS=--docs writes the table into docs/performance.md.
bench: $(STAMP) ## Measure speed, memory and request counts against the fake OpenAI server
	$(PYTHON) -m bench.run $(BENCH_ARGS)

pull: $(STAMP) ## Fetch every narration from the DVC remote (dvc pull), with no synthesis
	dvc pull

prune: $(STAMP) ## Remove the outputs of keywords no longer in params.yaml
	@$(PYTHON) -m stages.prune

# Needs no installed package, so it does not build the venv first.
clean-cache: ## Empty the speech chunk cache (.cache/, or the folder DOCENT_CACHE_DIR names)
	@$$(test -x $(PYTHON) && echo $(PYTHON) || echo python3) -m stages.clean_cache

clean-venv: ## Remove .venv
	rm -rf $(VENV)
