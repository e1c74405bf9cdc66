"""``manage.py export_questions --format FMT [--area CODE] [--status approved] --output PATH``.

Writes the latest version of each matching question (for ``--status approved``: each question's
current approved version). What the format cannot hold is printed per item: warnings for losses,
and problems (the command exits non-zero and writes nothing) for items that cannot be written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from question_bank.formats import FORMATS
from question_bank.imports import export_versions, versions_for_export
from question_bank.models import VersionStatus

EXPORT_FORMATS = [code for code, f in FORMATS.items() if f.can_export]


class Command(BaseCommand):
    help = "Export questions of the bank to an exchange file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", required=True, choices=EXPORT_FORMATS, dest="fmt")
        parser.add_argument("--area", help="Only this technique area (code).")
        parser.add_argument("--status", choices=list(VersionStatus.values), help="Only versions in this status.")
        parser.add_argument("--output", required=True, help="The file to write (QTI formats write a .zip package).")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt: str = options["fmt"]
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent}: no such directory.")
        versions = versions_for_export(area=options.get("area"), status=options.get("status"))
        if not versions:
            raise CommandError("No questions match; nothing was written.")
        data, problems, warnings = export_versions(versions, fmt)
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        if problems:
            for problem in problems:
                self.stderr.write(f"problem: {problem}")
            raise CommandError(
                f"{len(problems)} question(s) cannot be written as {FORMATS[fmt].label}; nothing was written."
            )
        output.write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(versions)} question(s) as {FORMATS[fmt].label} to {output}."))
