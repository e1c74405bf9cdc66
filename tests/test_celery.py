import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import AuditEvent
from accounts.tasks import system_probe

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_without_a_broker_a_task_runs_in_process_at_once():
    nonce = uuid.uuid4().hex
    system_probe.delay(nonce)
    assert AuditEvent.objects.filter(action="system.worker_probe", target_id=nonce).count() == 1


@pytest.mark.django_db
def test_the_probe_task_is_idempotent():
    system_probe.delay("same")
    system_probe.delay("same")
    assert AuditEvent.objects.filter(action="system.worker_probe", target_id="same").count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_a_task_through_the_broker_and_writes_to_postgresql():
    settings_dict = connection.settings_dict
    db_url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
        **{k: settings_dict[k] or "" for k in ("USER", "HOST", "PORT", "NAME")}
    )
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "irexam.settings"}
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "irexam",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        nonce = uuid.uuid4().hex
        system_probe.apply_async(args=[nonce], queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if AuditEvent.objects.filter(action="system.worker_probe", target_id=nonce).exists():
                break
            assert worker.poll() is None, worker.stdout.read().decode(errors="replace")
            time.sleep(0.2)
        else:
            pytest.fail("the worker did not run the task within 60 s")
        event = AuditEvent.objects.get(action="system.worker_probe", target_id=nonce)
        assert event.actor_label == "system"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
