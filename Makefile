# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# `make run` is the development server: debug on unless the environment says otherwise.
export DJANGO_DEBUG ?= 1

.PHONY: run test bench bench-web screenshots lint format migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

migrate: $(VENV)/.run-installed
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py ensure_operator
	@echo "The chat:           http://127.0.0.1:$(PORT)/"
	@echo "The admin:          http://127.0.0.1:$(PORT)/admin/"
	@echo "The browsable API:  http://127.0.0.1:$(PORT)/api/v1/  (Teahaz: /api/v0/, Origam: /chatrooms/Chat/; log in first)"
	@echo "The API docs:       http://127.0.0.1:$(PORT)/api/docs/  (ReDoc: /api/redoc/, the schema: /api/schema/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

demo: migrate
	$(BIN)/python manage.py seed_demo

test: $(VENV)/.dev-installed
	$(BIN)/pytest

# The HTTP benchmark against a bare Django view (PostgreSQL and wrk; see benchmarks/run.py); never part of `make test`.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.run

# The web client's first load (bytes, time to messages) in Debian's chromium; and the README's screenshots.
bench-web: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.web

screenshots: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.web --screenshots docs/screenshots

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(BIN)/gunicorn --check-config -c deploy/gunicorn.conf.py chatsite.wsgi
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
