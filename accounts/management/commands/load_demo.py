"""Load the demo data set (idempotent) and print the demo accounts."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_USERS, demo_steps


class Command(BaseCommand):
    help = (
        "Load demo data: organizations, one user per role, curriculum, question bank, exams, certificates. "
        "Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEMO_ALLOWED is off (e.g. on PostgreSQL)."
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEMO_ALLOWED and not force:
            raise CommandError(
                "Demo data is disabled for this database (DEMO_ALLOWED is off). Use --force if you are sure."
            )
        for step in demo_steps():
            step.run(lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Demo accounts (username / password / roles):"))
        for username, password, roles, name_zh, name_en, _org in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {password:<22} {', '.join(roles):<22} {name_zh} ({name_en})")
        if settings.OFFICER_2FA_REQUIRED:
            self.stdout.write(
                "  Officers need two-factor authentication (OFFICER_2FA_REQUIRED is on): after the password, "
                "the officer scans a QR code at /account/two-factor/ with an authenticator app and confirms a code."
            )
        else:
            self.stdout.write(
                "  Officer two-factor authentication is off here (OFFICER_2FA_REQUIRED=0, the embedded default); "
                "any user can still enrol under Profile."
            )
