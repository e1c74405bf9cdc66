from django.core.management.base import BaseCommand, CommandError

from accounts.audit import audit_verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain and name the first broken record."

    def handle(self, *args, **options):
        result = audit_verify_chain()
        if not result.ok:
            where = f"record {result.first_broken_id}" if result.first_broken_id else "the chain head"
            raise CommandError(f"Audit chain broken at {where} after {result.checked} good records: {result.reason}")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {result.checked} records."))
