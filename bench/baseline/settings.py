"""Settings of the bare baseline project: the project's database, nothing else."""

import os

import dj_database_url

SECRET_KEY = os.environ.get("SECRET_KEY", "bench-baseline")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.baseline.urls"
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"],
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
LOGGING_CONFIG = None
