import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import django, json; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    " 'name': str(settings.DATABASES['default']['NAME']),"
    " 'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL,"
    " 'debug': settings.DEBUG, 'email': settings.EMAIL_BACKEND, 'lang': settings.LANGUAGE_CODE}))"
)


def settings_with(tmp_path, **env) -> dict:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "irexam.settings", "VAR_DIR": str(tmp_path / "var"), **env})
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_embedded_default_is_sqlite_under_var_with_eager_tasks(tmp_path):
    found = settings_with(tmp_path)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "var" / "db.sqlite3")
    assert found["eager"] is True
    assert found["debug"] is False
    assert found["email"].endswith("console.EmailBackend")
    assert found["lang"] == "zh-hans"
    assert (tmp_path / "var" / "secret_key").exists(), "a secret key is generated into var/"


def test_database_url_switches_to_postgresql_and_a_broker_turns_eager_off(tmp_path):
    found = settings_with(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/irexam_example",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "irexam_example"
    assert found["eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6379/0"


def test_a_misspelt_boolean_stops_start_up_with_a_clear_message(tmp_path):
    clean = {**os.environ, "DJANGO_SETTINGS_MODULE": "irexam.settings", "VAR_DIR": str(tmp_path), "DEBUG": "yess"}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert out.returncode != 0
    assert "DEBUG must be one of" in out.stderr
