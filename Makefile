# Two commands matter: `make run` (set up and serve with demo data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test install serve migrate demo lint format messages migrations-check check worker beat clean backup restore bench chaos

run: install migrate demo serve

test: install
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: install
	$(BIN)/python manage.py load_demo

serve: install
	$(BIN)/python manage.py runserver 127.0.0.1:8000

worker: install
	$(BIN)/celery -A irexam worker --loglevel=INFO

beat: install
	$(BIN)/celery -A irexam beat --loglevel=INFO --schedule var/celerybeat-schedule

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

check: lint migrations-check
	$(BIN)/python manage.py check

messages: install
	$(BIN)/python scripts/i18n.py extract
	$(BIN)/python scripts/i18n.py fill-en
	$(BIN)/python scripts/i18n.py compile
	$(BIN)/python scripts/i18n.py missing

# Database + media into one archive (var/backups/ unless OUTPUT=path); see docs/reliability.md.
backup: install
	$(BIN)/python scripts/backup.py backup $(if $(OUTPUT),-o $(OUTPUT))

# make restore ARCHIVE=var/backups/irexam-….tar.gz [FORCE=1]: verified first, refuses a non-empty target unless FORCE.
restore: install
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=path/to/backup.tar.gz [FORCE=1]"; exit 2; }
	$(BIN)/python scripts/backup.py restore $(ARCHIVE) $(if $(FORCE),--force)

# The chaos run: gunicorn + PostgreSQL + Redis (DB 11) + Celery under faults; ~5 min; docs/reliability.md.
chaos: install
	$(BIN)/python -m bench.chaos

clean:
	rm -rf $(VENV) var

# Exam-day capacity (docs/performance.md): starts its own PostgreSQL database, gunicorn and Celery
# workers on loopback (needs PostgreSQL on 127.0.0.1:5432 and Redis on 6379). BENCH_ARGS e.g.
# "answer_save --duration 20" or "--quick".
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)
