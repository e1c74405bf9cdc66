"""The benchmark stack: a fresh PostgreSQL database, gunicorn and Celery workers on loopback.

Use::

    from bench.stack import bench_stack

    with bench_stack(web_workers=4, celery_workers=2, baseline=True) as stack:
        stack.web.url            # "http://127.0.0.1:<port>" (the project, irexam.wsgi)
        stack.baseline.url       # the bare Django project (bench.baseline.wsgi), same database
        stack.database_url       # postgres://postgres@127.0.0.1:5432/irexam_bench_<pid>
        stack.django_setup()     # this process now talks to the same database (for data setup)
        stack.kill_web_worker()  # SIGKILL one gunicorn worker (the master starts another)

Everything it started is stopped, and the database dropped, when the ``with`` block ends —
normally, on an exception, on Ctrl-C or on SIGTERM. Child processes run in their own process
groups so a terminal's Ctrl-C reaches only this process, which then stops them in order.

Migrating takes tens of seconds, so a migrated template database named after a hash of every
migration file (``irexam_bench_tpl_<hash>``) is kept and each stack copies it
(``CREATE DATABASE … TEMPLATE``, about a second); every stack drops the templates of other
migrations or settings (``bench_templates_drop()`` removes them all).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VENV_BIN = Path(PYTHON).parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# High enough that the rate limits (per IP on verification: every simulated client is 127.0.0.1;
# per attempt on saves: simulated candidates save without think time) count every request — their
# cost is measured — without refusing any.
BENCH_RATE = "100000000/min"


class StackError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def _admin_execute(*statements: str) -> None:
    import psycopg

    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def migrations_hash() -> str:
    """Our migration files, plus settings and requirements (installed apps bring their own migrations)."""
    digest = hashlib.sha256()
    paths = [*ROOT.glob("*/migrations/*.py"), ROOT / "irexam" / "settings.py", ROOT / "requirements.txt"]
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


STACK_ENV_KEYS = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "DATABASE_CONN_MAX_AGE",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "DEBUG",
    "SECRET_KEY",
    "VAR_DIR",
    "MEDIA_ROOT",
    "LOG_LEVEL",
    "CERTIFICATE_VERIFY_RATE",
    "ATTEMPT_SAVE_RATE",
)


def _base_env(database_url: str, redis_db: int, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "irexam.settings",
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "600",
            "CELERY_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
            "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
            "DEBUG": "0",
            "SECRET_KEY": "bench-secret-key-not-for-production-" + "x" * 20,
            "VAR_DIR": str(var_dir),
            "MEDIA_ROOT": str(var_dir / "media"),
            "LOG_LEVEL": "WARNING",
            "CERTIFICATE_VERIFY_RATE": BENCH_RATE,
            # BENCH_ATTEMPT_SAVE_RATE="" turns the save limiter off (a diagnostic: what it costs)
            "ATTEMPT_SAVE_RATE": os.environ.get("BENCH_ATTEMPT_SAVE_RATE", BENCH_RATE),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.pop("SECURE_HTTPS", None)
    return env


def _migrate(database_url: str, env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise StackError(f"migrate failed:\n{result.stdout}\n{result.stderr}")


def ensure_template(env: dict[str, str], echo=print) -> str:
    """The migrated template database for the current migrations (created once, then reused)."""
    name = f"irexam_bench_tpl_{migrations_hash()}"
    if _database_exists(name):
        _drop_older_templates(name, echo)
        return name
    building = f"{name}_{os.getpid()}"
    echo(f"stack: migrating a template database {name} (once per set of migrations)")
    _admin_execute(f'CREATE DATABASE "{building}"')
    try:
        _migrate(_pg_url(building), env)
        _admin_execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    except Exception:
        _admin_execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
        if not _database_exists(name):  # another process may have won the race: then use theirs
            raise
    _drop_older_templates(name, echo)
    return name


def _drop_older_templates(current: str, echo=print) -> None:
    dropped = bench_templates_drop(keep=current, force=False)
    if dropped:
        echo(f"stack: dropped {len(dropped)} template database(s) of other migrations or settings")


def bench_templates_drop(*, keep: str | None = None, force: bool = True) -> list[str]:
    """Drop the template databases (all, or all but ``keep``); the names dropped.

    ``force=False`` leaves a template alone while a concurrent bench is copying it (PostgreSQL
    refuses to drop a database in use): every stack drops the other templates this way, so the
    disk keeps one (a bench of another checkout state rebuilds its own, in tens of seconds).
    """
    import psycopg

    dropped = []
    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        names = [
            row[0]
            for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'irexam\\_bench\\_tpl\\_%'")
        ]
        for name in names:
            if name == keep:
                continue
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"' + (" WITH (FORCE)" if force else ""))
            except psycopg.errors.ObjectInUse:
                continue
            dropped.append(name)
    return dropped


@dataclass
class Server:
    """A gunicorn master and its workers."""

    name: str
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The master's current worker processes (from /proc)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []


@dataclass
class CeleryWorker:
    index: int
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


@dataclass
class Stack:
    db_name: str
    database_url: str
    redis_url: str
    env: dict[str, str]
    var_dir: Path
    web_workers: int
    web: Server | None = None
    baseline: Server | None = None
    celery: list[CeleryWorker] = field(default_factory=list)
    celery_concurrency: int = 1
    _procs: list[subprocess.Popen] = field(default_factory=list)

    # --- this process -------------------------------------------------------------------
    def django_setup(self) -> None:
        """Point this process's Django at the stack's database and broker (call before importing models)."""
        for key in STACK_ENV_KEYS:
            os.environ[key] = self.env[key]
        import django

        django.setup()

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``manage.py <args>`` against the stack's database."""
        return subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, check=check
        )

    # --- web ----------------------------------------------------------------------------
    def start_web(self, *, name: str = "web", wsgi: str = "irexam.wsgi", workers: int | None = None) -> Server:
        port = free_port()
        log_path = self.var_dir / f"{name}.log"
        cmd = [
            str(VENV_BIN / "gunicorn"),
            wsgi,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers or self.web_workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ]
        process = self._spawn(cmd, log_path)
        server = Server(name=name, url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path)
        wait_http(server.url + "/healthz", process=process, log_path=log_path)
        return server

    def kill_web_worker(self, server: Server | None = None, pid: int | None = None, wait: bool = False) -> int:
        """SIGKILL one worker of ``server`` (default the project's): a random one unless ``pid``.

        ``wait``: return only once the master has replaced it.
        """
        server = server or self.web
        pids = server.worker_pids()
        if not pids:
            raise StackError(f"{server.name} has no workers")
        victim = pid if pid is not None else random.choice(pids)  # noqa: S311
        os.kill(victim, signal.SIGKILL)
        if wait:
            self.wait_web_workers(server, gone=[victim])
        return victim

    def reload_web(self, server: Server | None = None) -> None:
        """Graceful restart of every worker (SIGHUP to the gunicorn master)."""
        (server or self.web).process.send_signal(signal.SIGHUP)

    def restart_web(self, server: Server | None = None) -> Server:
        """Stop the whole gunicorn (master and workers) and start it again on a new port."""
        server = server or self.web
        _stop(server.process)
        wsgi = "bench.baseline.wsgi" if server is self.baseline else "irexam.wsgi"
        fresh = self.start_web(name=server.name, wsgi=wsgi)
        if server is self.baseline:
            self.baseline = fresh
        else:
            self.web = fresh
        return fresh

    def wait_web_workers(self, server: Server | None = None, gone: list[int] = (), timeout: float = 30.0) -> None:
        """Until the master has its full count of workers again, none of them in ``gone``."""
        server = server or self.web
        deadline = time.monotonic() + timeout
        while len([p for p in server.worker_pids() if p not in gone and _alive(p)]) < self.web_workers:
            if time.monotonic() > deadline:
                raise StackError(f"{server.name}: workers did not come back")
            time.sleep(0.1)

    # --- celery -------------------------------------------------------------------------
    def start_celery_worker(self) -> CeleryWorker:
        index = len(self.celery)
        log_path = self.var_dir / f"celery-{index}.log"
        cmd = [
            str(VENV_BIN / "celery"),
            "-A",
            "irexam",
            "worker",
            "--loglevel=WARNING",
            "--pool=prefork",
            f"--concurrency={self.celery_concurrency}",
            f"--hostname=bench{index}-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        worker = CeleryWorker(index=index, process=self._spawn(cmd, log_path), log_path=log_path)
        self.celery.append(worker)
        return worker

    def start_beat(self) -> subprocess.Popen:
        """Celery beat (the periodic sweeps), schedule file in the stack's temporary folder."""
        log_path = self.var_dir / "beat.log"
        cmd = [
            str(VENV_BIN / "celery"),
            "-A",
            "irexam",
            "beat",
            "--loglevel=WARNING",
            f"--schedule={self.var_dir / 'celerybeat-schedule'}",
        ]
        return self._spawn(cmd, log_path)

    def wait_celery_ready(self, timeout: float = 60.0) -> None:
        """Until every live worker answers a ping."""
        from celery import Celery

        app = Celery(broker=self.env["CELERY_BROKER_URL"])
        deadline = time.monotonic() + timeout
        want = sum(1 for w in self.celery if w.alive)
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            if len(replies) >= want:
                return
        raise StackError(f"only {len(replies)} of {want} Celery workers answered")

    def kill_celery_worker(self, index: int = 0, sig: int = signal.SIGKILL) -> int:
        """Kill a Celery worker and its pool processes (SIGKILL by default: no warm shutdown)."""
        worker = self.celery[index]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, sig)
        worker.process.wait(timeout=30)
        return worker.pid

    def restart_celery_worker(self, index: int = 0) -> CeleryWorker:
        worker = self.celery[index]
        if worker.alive:
            _stop(worker.process)
        fresh = self.start_celery_worker()
        self.celery.pop()
        fresh.index = index
        self.celery[index] = fresh
        return fresh

    # --- internals ----------------------------------------------------------------------
    def _spawn(self, cmd: list[str], log_path: Path) -> subprocess.Popen:
        log = log_path.open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own executables
            cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self._procs.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self._procs):
            _stop(process)
        self._procs.clear()


def _alive(pid: int) -> bool:
    """A live process (a zombie not yet reaped by its parent counts as dead)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stray workers of a dead master
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def wait_http(url: str, *, process: subprocess.Popen | None = None, log_path: Path | None = None, timeout=60.0):
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
            raise StackError(f"{url}: the server exited ({process.returncode})\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback http
                if response.status == 200:
                    return
        except Exception as exc:  # noqa: BLE001 - still starting
            last = exc
        time.sleep(0.2)
    raise StackError(f"{url} did not answer 200 within {timeout:.0f} s: {last}")


def _flush_redis(db: int) -> None:
    import redis

    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db).flushdb()


@contextlib.contextmanager
def _terminate_raises() -> Iterator[None]:
    """Turn SIGTERM into SystemExit while the stack runs, so ``finally`` cleans up."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def bench_stack(
    *,
    web_workers: int = 4,
    celery_workers: int = 0,
    celery_concurrency: int = 1,
    baseline: bool = False,
    web: bool = True,
    redis_db: int = 10,
    db_name: str | None = None,
    keep: bool = False,
    echo=print,
) -> Iterator[Stack]:
    """Start a fresh database, gunicorn (``web``), the baseline gunicorn and Celery workers.

    ``redis_db``: the Redis database used as broker and cache (flushed at start; BENCH 10,
    CHAOS 11). ``keep``: leave the database and logs behind (for debugging).
    """
    db_name = db_name or f"irexam_bench_{os.getpid()}"
    var_dir = Path(tempfile.mkdtemp(prefix=f"{db_name}-"))
    database_url = _pg_url(db_name)
    env = _base_env(database_url, redis_db, var_dir)
    stack = Stack(
        db_name=db_name,
        database_url=database_url,
        redis_url=env["REDIS_URL"],
        env=env,
        var_dir=var_dir,
        web_workers=web_workers,
        celery_concurrency=celery_concurrency,
    )
    created = False
    with _terminate_raises():
        try:
            started = time.monotonic()
            template = ensure_template(env, echo=echo)
            _admin_execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            _admin_execute(f'CREATE DATABASE "{db_name}" TEMPLATE "{template}"')
            created = True
            _flush_redis(redis_db)
            if web:
                stack.web = stack.start_web(name="web")
            if baseline:
                stack.baseline = stack.start_web(name="baseline", wsgi="bench.baseline.wsgi")
            for _ in range(celery_workers):
                stack.start_celery_worker()
            if celery_workers:
                stack.wait_celery_ready()
            echo(
                f"stack: database {db_name}, web {stack.web.url if stack.web else '-'}, "
                f"baseline {stack.baseline.url if stack.baseline else '-'}, "
                f"{celery_workers} Celery worker(s), ready in {time.monotonic() - started:.1f} s"
            )
            yield stack
        finally:
            stack.stop_all()
            if created and not keep:
                _close_django_connections()
                with contextlib.suppress(Exception):
                    _admin_execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            if not keep:
                shutil.rmtree(var_dir, ignore_errors=True)
            else:
                echo(f"stack: kept database {db_name} and logs in {var_dir}")


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
