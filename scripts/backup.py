"""Backups and restores of the database and the media folder (`make backup`, `make restore`).

    python scripts/backup.py backup [-o ARCHIVE]          # default: var/backups/irexam-<UTC time>.tar.gz
    python scripts/backup.py verify ARCHIVE               # checksums, database readable, migrations known
    python scripts/backup.py restore ARCHIVE [--force]    # into the configured database and MEDIA_ROOT

One archive layout for both database vendors (a tar.gz):

    manifest.json          created_at, vendor, Django version, applied migrations, row counts per
                           table, and the sha256 and size of every other member
    database.sqlite3       SQLite: an online, consistent copy made with SQLite's backup API
    database.pgdump        PostgreSQL: ``pg_dump -Fc`` taken in an exported snapshot, so the row
                           counts in the manifest describe exactly the dumped data
    media/...              the media folder (uploads, DICOM renders, certificate PDFs)

The database is copied before the media folder: media files are written once and never changed,
so every file the copied database refers to is already there when the folder is archived (later
uploads only add unreferenced files).

A restore first verifies the whole archive (every checksum, no unexpected member, the database copy
readable, every recorded migration known to this code) and only then touches the target. It
refuses a non-empty target database or media folder unless ``--force``; afterwards it compares the
restored row counts with the manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class Manifest:
    created_at: str
    vendor: str
    django_version: str
    migrations: list[str]
    row_counts: dict[str, int]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION

    @property
    def database_member(self) -> str:
        return SQLITE_MEMBER if self.vendor == "sqlite" else PG_MEMBER

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if data.get("format_version") != FORMAT_VERSION:
            raise BackupError(f"unknown archive format {data.get('format_version')!r}")
        return cls(**data)


@dataclass
class RestoreReport:
    manifest: Manifest
    row_counts: dict[str, int]
    media_files: int
    pending_migrations: list[str]

    @property
    def mismatched_tables(self) -> dict[str, tuple[int, int | None]]:
        return {
            table: (count, self.row_counts.get(table))
            for table, count in self.manifest.row_counts.items()
            if self.row_counts.get(table) != count
        }


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _vendor(database: dict[str, Any]) -> str:
    engine = database["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"unsupported database engine {engine}")


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink())


def _known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_state(conn: sqlite3.Connection) -> tuple[list[str], dict[str, int]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {_quote(t)}").fetchone()[0] for t in tables}  # noqa: S608
    migrations = []
    if "django_migrations" in tables:
        migrations = [f"{app}.{name}" for app, name in conn.execute("SELECT app, name FROM django_migrations")]
    return sorted(migrations), counts


def _sqlite_copy(alias: str, destination: Path) -> None:
    """Copy the live database page by page with SQLite's backup API (consistent, writers keep going)."""
    from django.db import connections

    connection = connections[alias]
    if connection.in_atomic_block:
        # SQLite's backup would wait forever for this connection's own open write transaction.
        raise BackupError("a backup copies committed data: run it outside a transaction")
    connection.ensure_connection()
    target = sqlite3.connect(destination)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_env(database: dict[str, Any]) -> dict[str, str]:
    env = {**os.environ, "PGDATABASE": str(database["NAME"])}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            env[var] = str(database[key])
    return env


def _pg_connect(database: dict[str, Any], dbname: str | None = None, autocommit: bool = False):
    import psycopg

    params = {
        "dbname": dbname or database["NAME"],
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=autocommit)


def _pg_state(conn) -> tuple[list[str], dict[str, int]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {_quote(t)}").fetchone()[0] for t in tables}  # noqa: S608
    migrations = []
    if "django_migrations" in tables:
        migrations = [f"{app}.{name}" for app, name in conn.execute("SELECT app, name FROM django_migrations")]
    return sorted(migrations), counts


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


# ---------------------------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------------------------


def backup_create(*, output: Path, media_root: Path, alias: str = "default") -> Manifest:
    """Write one archive with the database and the media folder.

    Steps: copy the database into a staging folder (SQLite backup API, or ``pg_dump -Fc`` in an
    exported snapshot whose row counts and migrations go into the manifest) → hash the copy and
    every media file → write the tar.gz with the manifest first → rename it into place.
    """
    import django
    from django.db import connections

    database = connections[alias].settings_dict
    vendor = _vendor(database)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as staging:
        staging_dir = Path(staging)
        if vendor == "sqlite":
            db_file = staging_dir / SQLITE_MEMBER
            _sqlite_copy(alias, db_file)
            copy = sqlite3.connect(db_file)
            try:
                migrations, counts = _sqlite_state(copy)
            finally:
                copy.close()
        else:
            db_file = staging_dir / PG_MEMBER
            # One REPEATABLE READ transaction exports its snapshot to pg_dump, so the counts
            # below and the dump see the same committed data.
            with _pg_connect(database) as conn:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
                migrations, counts = _pg_state(conn)
                _run(
                    ["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(db_file)],
                    _pg_env(database),
                )
                conn.rollback()
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            vendor=vendor,
            django_version=django.get_version(),
            migrations=migrations,
            row_counts=counts,
        )
        sources = {manifest.database_member: db_file}
        media_root = Path(media_root)
        for path in _media_files(media_root):
            sources[MEDIA_PREFIX + path.relative_to(media_root).as_posix()] = path
        for name, path in sources.items():
            manifest.members[name] = {"sha256": _sha256(path), "size": path.stat().st_size}
        manifest_file = staging_dir / MANIFEST
        manifest_file.write_text(manifest.to_json())
        partial = staging_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(manifest_file, arcname=MANIFEST)
            for name, path in sources.items():
                tar.add(path, arcname=name, recursive=False)
        partial.chmod(0o600)
        os.replace(partial, output)
    return manifest


# ---------------------------------------------------------------------------------------------
# Verify and restore
# ---------------------------------------------------------------------------------------------


def archive_verify(*, archive: Path, into: Path) -> Manifest:
    """Extract ``archive`` into the folder ``into`` and check it whole; raise BackupError if not.

    Checks: a manifest of a known format, exactly the members it lists (no extra, no missing, only
    regular files under safe names), each member's size and sha256, the database copy readable
    (SQLite ``integrity_check`` / ``pg_restore --list``), and every applied migration it records
    known to this code (an archive from newer code is refused).
    """
    archive, into = Path(archive), Path(into)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            if MANIFEST not in names:
                raise BackupError("the archive has no manifest.json")
            if any(not m.isfile() for m in members):
                raise BackupError("the archive holds something other than regular files")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"cannot read the archive: {exc}") from exc
    manifest = Manifest.from_json((into / MANIFEST).read_text())
    expected = set(manifest.members)
    found = set(names) - {MANIFEST}
    if found != expected:
        raise BackupError(
            f"the archive's members differ from its manifest: missing {sorted(expected - found)}, "
            f"unexpected {sorted(found - expected)}"
        )
    if manifest.database_member not in expected:
        raise BackupError("the archive has no database copy")
    for name, meta in sorted(manifest.members.items()):
        path = into / name
        if path.stat().st_size != meta["size"] or _sha256(path) != meta["sha256"]:
            raise BackupError(f"checksum mismatch: {name}")
    db_file = into / manifest.database_member
    if manifest.vendor == "sqlite":
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
        if result != "ok":
            raise BackupError(f"the database copy is damaged: {result}")
    else:
        _run(["pg_restore", "--list", str(db_file)], dict(os.environ))
    unknown = sorted(set(manifest.migrations) - _known_migrations())
    if unknown:
        raise BackupError(
            "the backup was made by newer code (migrations unknown here: " + ", ".join(unknown[:10]) + ")"
        )
    return manifest


def _target_is_empty(database: dict[str, Any]) -> bool:
    if _vendor(database) == "sqlite":
        path = Path(database["NAME"])
        if not path.exists() or path.stat().st_size == 0:
            return True
        conn = sqlite3.connect(path)
        try:
            return conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
        finally:
            conn.close()
    with _pg_connect(database) as conn:
        row = conn.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
        return row[0] == 0


def _pg_ensure_database(database: dict[str, Any]) -> None:
    """Create the target PostgreSQL database when it does not exist yet."""
    from psycopg import sql

    with _pg_connect(database, dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))


def backup_restore(*, archive: Path, database: dict[str, Any], media_root: Path, force: bool = False) -> RestoreReport:
    """Restore ``archive`` into ``database`` (a Django DATABASES entry) and ``media_root``.

    Steps: verify the whole archive in a scratch folder → refuse a vendor mismatch, and a non-empty
    target database or media folder unless ``force`` → restore the database (SQLite backup API into
    the target file; ``pg_restore`` in one transaction, ``--clean`` when forced) → copy the media
    files → count the restored rows for comparison with the manifest.
    """
    vendor = _vendor(database)
    media_root = Path(media_root)
    with tempfile.TemporaryDirectory(prefix="irexam-restore-") as scratch:
        scratch_dir = Path(scratch)
        manifest = archive_verify(archive=archive, into=scratch_dir)
        if manifest.vendor != vendor:
            raise BackupError(f"the archive holds a {manifest.vendor} database; the target is {vendor}")
        if vendor == "postgresql":
            _pg_ensure_database(database)
        if not force and not _target_is_empty(database):
            raise BackupError(f"the target database {database['NAME']} is not empty (use --force to replace it)")
        if not force and _media_files(media_root):
            raise BackupError(f"the media folder {media_root} is not empty (use --force to add to it)")

        db_file = scratch_dir / manifest.database_member
        if vendor == "sqlite":
            target_path = Path(database["NAME"])
            target_path.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(db_file)
            target = sqlite3.connect(target_path)
            try:
                source.backup(target)
                migrations, counts = _sqlite_state(target)
            finally:
                source.close()
                target.close()
        else:
            args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
            if force:
                args += ["--clean", "--if-exists"]
            _run([*args, "-d", str(database["NAME"]), str(db_file)], _pg_env(database))
            with _pg_connect(database) as conn:
                migrations, counts = _pg_state(conn)

        media_count = 0
        for name in manifest.members:
            if name.startswith(MEDIA_PREFIX):
                destination = media_root / name[len(MEDIA_PREFIX) :]
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(scratch_dir / name, destination)
                media_count += 1
    pending = sorted(_known_migrations() - set(migrations))
    return RestoreReport(manifest=manifest, row_counts=counts, media_files=media_count, pending_migrations=pending)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "irexam.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="archive the configured database and MEDIA_ROOT")
    make.add_argument("-o", "--output", type=Path, help="archive path (default var/backups/irexam-<time>.tar.gz)")
    check = commands.add_parser("verify", help="check an archive without restoring it")
    check.add_argument("archive", type=Path)
    load = commands.add_parser("restore", help="restore an archive into the configured database and MEDIA_ROOT")
    load.add_argument("archive", type=Path)
    load.add_argument("--force", action="store_true", help="replace a non-empty database / add to a non-empty media")
    args = parser.parse_args(argv)

    _setup_django()
    from django.conf import settings
    from django.db import connections

    try:
        if args.command == "backup":
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            output = args.output or Path(settings.VAR_DIR) / "backups" / f"irexam-{stamp}.tar.gz"
            manifest = backup_create(output=output, media_root=Path(settings.MEDIA_ROOT))
            media = sum(1 for name in manifest.members if name.startswith(MEDIA_PREFIX))
            print(
                f"{output}: {manifest.vendor}, {len(manifest.row_counts)} tables, "
                f"{sum(manifest.row_counts.values())} rows, {len(manifest.migrations)} migrations, {media} media files"
            )
        elif args.command == "verify":
            with tempfile.TemporaryDirectory(prefix="irexam-verify-") as scratch:
                manifest = archive_verify(archive=args.archive, into=Path(scratch))
            print(
                f"{args.archive}: OK ({manifest.vendor}, made {manifest.created_at}, "
                f"{sum(manifest.row_counts.values())} rows, {len(manifest.members)} members)"
            )
        else:
            connections.close_all()
            report = backup_restore(
                archive=args.archive,
                database=settings.DATABASES["default"],
                media_root=Path(settings.MEDIA_ROOT),
                force=args.force,
            )
            print(
                f"restored {sum(report.row_counts.values())} rows in {len(report.row_counts)} tables "
                f"and {report.media_files} media files from {args.archive}"
            )
            if report.mismatched_tables:
                print(f"ROW COUNTS DIFFER (table: archive, restored): {report.mismatched_tables}")
                return 1
            if report.pending_migrations:
                print(f"{len(report.pending_migrations)} newer migrations to apply: run manage.py migrate")
    except BackupError as exc:
        print(f"{args.command} refused: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
