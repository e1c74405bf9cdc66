import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from accounts.models import AuditEvent
from accounts.tasks import system_probe


class Command(BaseCommand):
    help = "Send a probe task through the broker and wait until a worker has written it to the database."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout: float, **options):
        nonce = uuid.uuid4().hex
        started = time.monotonic()
        system_probe.delay(nonce)
        while time.monotonic() - started < timeout:
            if AuditEvent.objects.filter(action="system.worker_probe", target_id=nonce).exists():
                self.stdout.write(self.style.SUCCESS(f"A worker ran the probe in {time.monotonic() - started:.2f} s."))
                return
            time.sleep(0.2)
        raise CommandError(f"No worker ran the probe within {timeout:.0f} s. Are Celery workers running?")
