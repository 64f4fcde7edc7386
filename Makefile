# Two commands for a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test install lint format screenshots worker worker-polling beat clean

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(INSTALLED)

# The demo's review sources poll a local stand-in for the review sites on 127.0.0.1:8765
# (started in the background, stopped with the server); loopback is refused otherwise.
# Without beat, the first poll is run here; "Poll now" on a source fetches what is new.
demo: export OUTBOUND_ALLOW_LOOPBACK = true
demo: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py review_provider_server & sites=$$!; \
	trap 'kill $$sites 2>/dev/null' EXIT INT TERM; \
	sleep 2; $(BIN)/python manage.py poll_review_sources; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(INSTALLED)
	$(BIN)/pytest

# The README's pictures (docs/screenshots/), taken from a fresh demo café in Chromium.
screenshots: $(INSTALLED)
	$(BIN)/python docs/make_screenshots.py

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two workers: review polling waits on the sites, so it runs many threads on its own
# queue; the other queues use the CPU (prefork). Ctrl-C stops both.
worker: $(INSTALLED)
	$(BIN)/celery -A cxplatform worker -l info -Q polling -P threads -c 32 -n polling@%h & \
	trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/celery -A cxplatform worker -l info -Q default,scoring,email,rollups -n main@%h

# The polling worker alone (e.g. on a machine of its own).
worker-polling: $(INSTALLED)
	$(BIN)/celery -A cxplatform worker -l info -Q polling -P threads -c 32 -n polling@%h

beat: $(INSTALLED)
	$(BIN)/celery -A cxplatform beat -l info

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache staticfiles
