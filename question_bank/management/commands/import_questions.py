"""``manage.py import_questions PATH --format FMT --area CODE [--pool P] [--dry-run]``: all or nothing.

Reads the file with :func:`question_bank.formats.parse`, then creates drafts with
:func:`question_bank.imports.import_questions` in one transaction. Any problem (in the file or
when creating an item) is printed as ``item (location): message`` and the command exits non-zero
with nothing imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.roles import Role
from irexam.errors import ApplicationError
from question_bank.formats import FORMATS, Limits, parse
from question_bank.formats.safety import DEFAULT_LIMITS
from question_bank.imports import ImportFailed, import_questions
from question_bank.models import Pool

IMPORT_FORMATS = ["qti21", "qti3", "moodle", "gift", "aiken", "csv", "xlsx", "json"]


def resolve_author(username: str | None) -> Any:
    """The user named ``username`` (who must be an instructor or officer), else the first officer."""
    User = get_user_model()
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not (user.has_role(Role.OFFICER) or user.has_role(Role.INSTRUCTOR)):
            raise CommandError(f"{username} is neither an instructor nor an exam officer and cannot import questions.")
        return user
    for user in User.objects.filter(is_active=True).order_by("pk"):
        if user.has_role(Role.OFFICER):
            return user
    raise CommandError("No exam officer exists to author the imported drafts; pass --author USERNAME.")


class Command(BaseCommand):
    help = "Import questions from an exchange file as drafts (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The file to import (a .zip for QTI packages).")
        parser.add_argument("--format", required=True, choices=IMPORT_FORMATS, dest="fmt")
        parser.add_argument("--area", required=True, help="Technique area code for items that name none.")
        parser.add_argument("--pool", choices=list(Pool.values), help="Put every item in this pool.")
        parser.add_argument("--dry-run", action="store_true", help="Check and show what would be created.")
        parser.add_argument("--encoding", help="The text encoding (e.g. gb18030); detected when omitted.")
        parser.add_argument("--author", help="Username of the drafts' author (default: the first exam officer).")
        parser.add_argument(
            "--allow-duplicates",
            action="store_true",
            help="Import items whose wording matches a question already in the bank (listed as warnings).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        fmt: str = options["fmt"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        limits: Limits = DEFAULT_LIMITS
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise CommandError(f"{path.name}: the file is {size} bytes; the limit is {limits.max_file_bytes} bytes.")
        author = resolve_author(options.get("author"))
        report = parse(
            path.read_bytes(),
            fmt,
            filename=path.name,
            encoding=options.get("encoding") or None,
            default_area=options["area"],
            limits=limits,
        )
        try:
            outcome = import_questions(
                report=report,
                area_code=options["area"],
                by=author,
                pool=options.get("pool"),
                dry_run=options["dry_run"],
                allow_duplicates=options["allow_duplicates"],
                source_format=fmt,
                filename=path.name,
            )
        except ImportFailed as failed:
            for warning in report.warnings:
                self.stderr.write(f"warning: {warning}")
            for problem in failed.problems:
                self.stderr.write(f"problem: {problem}")
            raise CommandError(
                f"{path.name}: {len(failed.problems)} problem(s) found; nothing was imported."
            ) from failed
        except ApplicationError as error:
            raise CommandError(f"{path.name}: {error.message}") from error
        for warning in outcome.warnings:
            self.stdout.write(f"warning: {warning}")
        verb = "Would create" if outcome.dry_run else "Created"
        for q in outcome.questions:
            code = f"{q.code} " if q.code else ""
            self.stdout.write(
                f"{verb} {code}draft {q.type} [{q.area}, {q.pool}, {q.level}, {q.language}] from {q.label}"
            )
        summary = f"{verb} {len(outcome.questions)} draft question(s) from {path.name} ({FORMATS[fmt].label})."
        if outcome.dry_run:
            summary += " Dry run: nothing was saved."
        self.stdout.write(self.style.SUCCESS(summary))
