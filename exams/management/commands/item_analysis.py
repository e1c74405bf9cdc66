"""``manage.py item_analysis PATH [--key KEY] [--rasch] [--json]``: item analysis of a CSV.

PATH holds one row per candidate and one column per unit (header = unit ids) with 0/1
scores, or with chosen option letters when ``--key`` gives the key (a row such as
``A,C,B`` or the path of a one-row CSV). The work is done by
``exams.psychometrics.analyse_table``; this command only reads files and prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exams.psychometrics import TableError, analyse_table, parse_key_row


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{what} {path} does not exist.")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {what.lower()} {path}: {error}")


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


class Command(BaseCommand):
    help = "Classical item analysis (and optionally a Rasch calibration) of a response table in CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV: header = unit ids, one row per candidate.")
        parser.add_argument(
            "--key",
            help="Answer key when cells hold option letters: a row like A,C,B or a one-row CSV file.",
        )
        parser.add_argument("--rasch", action="store_true", help="Also calibrate Rasch difficulties.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = _read(Path(options["path"]), "Response file")
        key = None
        if options["key"]:
            key_path = Path(options["key"])
            key_text = _read(key_path, "Key file") if key_path.is_file() else options["key"]
            try:
                key = parse_key_row(key_text)
            except TableError as error:
                raise CommandError(str(error))
        try:
            result = analyse_table(text, key=key, rasch=options["rasch"])
        except TableError as error:
            raise CommandError(f"{options['path']}: {error}")
        except ValueError as error:  # e.g. nothing left to calibrate
            raise CommandError(str(error))
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self._print_table(result)

    def _print_table(self, result: dict[str, Any]) -> None:
        self.stdout.write(
            f"{result['n_candidates']} candidates, {result['n_items']} units; "
            f"mean {_number(result['mean'], 2)}, SD {_number(result['sd'], 2)}, "
            f"KR-20 {_number(result['kr20'])}, alpha {_number(result['alpha'])}, "
            f"SEM {_number(result['sem'], 2)}"
        )
        rasch = "b" in (result["items"][0] if result["items"] else {})
        header = f"{'unit':<16}{'p':>8}{'rpb':>8}{'D':>8}" + (f"{'b':>9}{'SE':>8}" if rasch else "")
        self.stdout.write(header)
        for item in result["items"]:
            line = (
                f"{item['id']:<16}{_number(item['p']):>8}"
                f"{_number(item['rpb_corrected']):>8}{_number(item['d_upper_lower']):>8}"
            )
            if rasch:
                line += f"{_number(item['b']):>9}{_number(item['b_se']):>8}"
            self.stdout.write(line)
