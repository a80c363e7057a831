# make run   - set up everything and serve the site at http://127.0.0.1:8000/
# make test  - set up everything (Chromium too, when root) and run the whole test suite
# make bench - engine benchmarks (rnncore vs PyTorch where available), the product bounds, review at scale
# make serve-prod - the production stack (nginx -> gunicorn, DEBUG=0) on loopback; make stop-prod
# make check-prod - slow clients and a log-in flood against that stack (about 30 s)

VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-postgres bench claims check-content browser clean serve-prod stop-prod check-prod

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
	@DEBUG=1 $(PY) manage.py check_user_model
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_course
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Headless Chromium for the real-browser tests, from Debian's packages (never `playwright install`).
browser:
	@bash scripts/ensure-chromium.sh

test: $(VENV)/.installed-test browser
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

# The database tests again, against PostgreSQL (DATABASE_URL, default: the local server).
test-postgres: $(VENV)/.installed-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
	  $(PY) -m pytest tests --ignore=tests/rnncore -m "not browser"

check-content: $(VENV)/.installed-run
	$(PY) manage.py load_course --check

# PyTorch is only the benchmark's yardstick, in its own interpreter: its CPU wheel lies on this
# machine kind's disk for Python 3.11 (PyPI's default torch is a CUDA build of several GB).
TORCH_WHEELS ?= $(or $(PIP_FIND_LINKS),/opt/wheels)
.bench-torch/bin/python:
	@ls $(TORCH_WHEELS)/torch-2.13.0+cpu-cp311-*.whl >/dev/null 2>&1 || { \
	  echo "No local PyTorch CPU wheel in $(TORCH_WHEELS): benchmarking rnncore alone."; exit 1; }
	PYENV_VERSION=3.11.7 python3 -m venv .bench-torch
	.bench-torch/bin/pip install --quiet torch==2.13.0 numpy || { rm -rf .bench-torch; exit 1; }

# Unset the OpenBLAS overrides for the benchmark only (why: rnncore/README.md, "Benchmark");
# never in tests or CI. Speed ratios against PyTorch, training steps per second, then the
# product bounds' figures (demo calls, lab steps, stored run size against their budgets).
bench: $(VENV)/.installed-run
	-@$(MAKE) --no-print-directory .bench-torch/bin/python
# (first: the demo pages, a recompute with its view and render, per demo: studyapp/demos/bench.py)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE DJANGO_SETTINGS_MODULE=studyapp.settings $(PY) -m studyapp.demos.bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m rnncore.bench
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m rnncore.bench_training
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m rnncore.bench_bounds
	$(PY) -m studyapp.review.bench
	$(PY) -m studyapp.review.bench_data
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 $(PY) -m studyapp.lab.bench

# The course's long-range claims, trained out (a minute or two).
claims: $(VENV)/.installed-run
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m rnncore.bench_training --claims

# nginx (deploy/nginx/) in front of gunicorn (deploy/gunicorn.conf.py) at http://127.0.0.1:$(PROD_PORT)/.
PROD_PORT ?= 8088
serve-prod: $(VENV)/.installed-run
	PROD_PORT=$(PROD_PORT) bash deploy/serve-prod.sh

stop-prod:
	@bash deploy/stop-prod.sh

# Starts the stack when it is not answering, then two stalled connections and a log-in flood.
check-prod: $(VENV)/.installed-run
	PROD_PORT=$(PROD_PORT) $(PY) deploy/check_prod.py --start

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
