# make run   - set up everything and serve the site at http://127.0.0.1:8000/
# make test  - set up everything (Chromium too, when root) and run the whole test suite
# make bench - engine benchmarks (rnncore vs PyTorch where available)

VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-postgres bench check-content browser clean

# python3 resolves to 3.12 inside the checkout through pyenv's .python-version.
$(PY):
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "Python 3.12 or newer is needed (python3 is $$(python3 --version 2>&1)); with pyenv: pyenv install 3.12" >&2; exit 1; }
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_course
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Headless Chromium for the real-browser tests, from Debian's packages (never `playwright install`).
browser:
	@bash scripts/ensure-chromium.sh

test: $(VENV)/.installed-test browser
	$(PY) -m pytest

# The database tests again, against PostgreSQL (DATABASE_URL, default: the local server).
test-postgres: $(VENV)/.installed-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	  $(PY) -m pytest tests --ignore=tests/rnncore -m "not browser"

check-content: $(VENV)/.installed-run
	$(PY) manage.py load_course --check

bench: $(VENV)/.installed-run
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m rnncore.bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
