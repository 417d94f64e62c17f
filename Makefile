# Two commands from a fresh clone:  `make app`  and  `make test`  (see README).
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: app test test-browser test-spreadsheet test-pack test-attacks test-fuzz bench data lint

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

app: $(STAMP)          ## set up, then start the app on the default data (NHS Nene CCG 2014/15), for this computer only
	$(BIN)/streamlit run app.py --server.address localhost

test: $(STAMP)         ## set up, then run the whole test suite (all but the real-browser test)
	$(BIN)/pytest -m "not browser and not spreadsheet and not pack and not attacks" -n 2

test-browser: $(STAMP) ## the real-browser test: Playwright driving /usr/bin/chromium
	$(BIN)/pytest -m browser

test-spreadsheet: $(STAMP) ## the workbook's live check formulas, recalculated by LibreOffice
	$(BIN)/pytest -m spreadsheet

test-pack: $(STAMP)    ## the meeting pack: every practice under every shipped scenario on one A4 page (WeasyPrint)
	$(BIN)/pytest -m pack -n 2 -p no:cacheprovider

test-attacks: $(STAMP) ## the attack corpus (scripts/attack_corpus.py): every hostile input, each under a time and memory limit
	$(BIN)/pytest -m attacks -p no:cacheprovider tests/test_attacks.py

test-fuzz: $(STAMP)    ## long fuzzing profile: 10,000 cases per fuzz test of the practice-list and scenario loaders
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -m fuzz -n 2 -p no:cacheprovider tests/test_fuzz_practices.py tests/test_fuzz_scenario.py

bench: $(STAMP)        ## print the benchmark tables
	$(BIN)/python benchmarks/run_all.py

data: $(STAMP)         ## rebuild data/ from the source copies in data/sources/
	$(BIN)/python scripts/build_data.py

lint: $(STAMP)
	$(BIN)/ruff check .
