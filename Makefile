# The two commands a new user needs:
#   make run    set up, start the local Neo4j, create the schema, load the demo case when
#               the database is empty, open the workbench in the browser
#   make test   set up and run every test against a throwaway Neo4j
# Prerequisites: Python 3.10+, Java 17+ (a JDK), Maven; or NEO4J_URI for an existing Neo4j.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test setup clean-venv

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) cli.py up
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --browser.gatherUsageStats false

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

clean-venv:
	rm -rf $(VENV)
