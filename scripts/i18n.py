"""Catalogue maintenance for `make messages`.

    python scripts/i18n.py extract            # makemessages for the project and each app (zh_Hans, en)
    python scripts/i18n.py fill-en            # English catalogues: msgstr = msgid (the source language)
    python scripts/i18n.py apply FILE.json    # fill {"msgid": "译文"} where the zh_Hans entry is untranslated
                                              # (add --overwrite to replace existing translations too)
    python scripts/i18n.py missing            # list untranslated zh_Hans entries (exit 1 if any)
    python scripts/i18n.py compile            # compilemessages for every catalogue

Each app keeps its own catalogue in <app>/locale/; the project's templates and
package use locale/ at the top.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "curriculum", "question_bank", "exams", "certificates"]
LANGS = ["zh_Hans", "en"]
PYTHON = sys.executable


# makemessages runs inside each app's folder, and Celery's Django fixup appends the working
# directory to sys.path: an app module named like an optional package (question_bank/markdown.py
# for DRF's optional "markdown") would then be imported by mistake. Mark those as absent.
_RUNNER = (
    "import sys; sys.modules['markdown'] = None; "
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['django-admin', *sys.argv[1:]])"
)


def django_admin(args: list[str], cwd: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "irexam.settings", "PYTHONPATH": str(ROOT)}
    subprocess.run([PYTHON, "-P", "-c", _RUNNER, *args], cwd=cwd, env=env, check=True)  # noqa: S603


def catalogues(lang: str) -> list[Path]:
    paths = [ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"]
    paths += [ROOT / app / "locale" / lang / "LC_MESSAGES" / "django.po" for app in APPS]
    return [p for p in paths if p.exists()]


def extract() -> None:
    lang_args = [arg for lang in LANGS for arg in ("-l", lang)]
    ignore = [arg for app in [*APPS, ".venv", "var", "tests", "bench", "scripts"] for arg in ("--ignore", f"{app}/*")]
    (ROOT / "locale").mkdir(exist_ok=True)
    django_admin(["makemessages", *lang_args, "--no-obsolete", *ignore], ROOT)
    for app in APPS:
        app_dir = ROOT / app
        if not any(app_dir.rglob("*.py")):
            continue
        (app_dir / "locale").mkdir(exist_ok=True)
        django_admin(["makemessages", *lang_args, "--no-obsolete", "--ignore", "static/*"], app_dir)


def fill_en() -> None:
    for path in catalogues("en"):
        po = polib.pofile(str(path))
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()


def _is_translated(entry: polib.POEntry) -> bool:
    done = any(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
    return done and "fuzzy" not in entry.flags


def apply(json_path: str, *, overwrite: bool = False) -> None:
    """Fill untranslated (or fuzzy) entries; ``--overwrite`` also replaces existing translations.

    The same English msgid may mean different things in different apps ("Code": a curriculum code,
    a one-time password), so an existing translation is kept unless asked otherwise.
    """
    translations: dict = json.loads(Path(json_path).read_text(encoding="utf-8"))
    used = set()
    kept = []
    for path in catalogues("zh_Hans"):
        po = polib.pofile(str(path))
        changed = False
        for entry in po:
            if entry.msgid in translations:
                used.add(entry.msgid)
                if _is_translated(entry) and not overwrite:
                    if entry.msgstr != translations[entry.msgid]:
                        kept.append(f"{path.relative_to(ROOT)}: {entry.msgid!r} stays {entry.msgstr!r}")
                    continue
                value = translations[entry.msgid]
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: value}
                else:
                    entry.msgstr = value
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                changed = True
        if changed:
            po.save()
    if kept:
        print("existing translations kept (use --overwrite to replace them):", *kept, sep="\n  ")
    unused = set(translations) - used
    if unused:
        print(f"{len(unused)} translations matched no msgid:", *sorted(unused)[:20], sep="\n  ")


def missing() -> int:
    count = 0
    for path in catalogues("zh_Hans"):
        po = polib.pofile(str(path))
        for entry in po.untranslated_entries() + po.fuzzy_entries():
            print(f"{path.relative_to(ROOT)}: {entry.msgid!r}")
            count += 1
    return 1 if count else 0


def compile_all() -> None:
    for lang in LANGS:
        for path in catalogues(lang):
            po = polib.pofile(str(path))
            po.save_as_mofile(str(path.with_suffix(".mo")))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "fill-en":
        fill_en()
    elif command == "apply":
        apply(sys.argv[2], overwrite="--overwrite" in sys.argv[3:])
    elif command == "missing":
        sys.exit(missing())
    elif command == "compile":
        compile_all()
    else:
        print(__doc__)
        sys.exit(2)
