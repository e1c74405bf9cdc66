"""Backups: a scored sitting survives backup → restore into a fresh database, row for row and score for score."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from exams.models import CutScore
from exams.services.scoring import sitting_score
from scripts.backup import MANIFEST, BackupError, archive_verify, backup_create, backup_restore
from tests.exams.scoring_data import build_scoring_sitting

transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
on_sqlite = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"), reason="the SQLite round trip (pg has its own)"
)

SCORES_SQL = (
    "SELECT id, status, raw_score, max_score, percent, passed FROM exams_attempt WHERE form_id = {form} ORDER BY id"
)
RESULTS_SQL = "SELECT registration_id, raw_score, max_score, percent, passed FROM exams_candidateresult ORDER BY 1"


def _rows(cursor, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return [tuple(bool(v) if i == len(row) - 1 and v is not None else v for i, v in enumerate(row)) for row in cursor]


def _scored_sitting(officer):
    built = build_scoring_sitting(officer=officer)
    CutScore.objects.create(
        sitting=built.sitting, paper=built.paper, method=CutScore.Method.FIXED, percent=60, decided_by=officer
    )
    summary = sitting_score(sitting=built.sitting)
    assert summary.pass_count == 2  # c1 (8/8) and c4 (7 1/3 of 8) pass; c2 and c3 fail
    media = Path(settings.MEDIA_ROOT) / "question_media" / "angiogram.png"
    media.parent.mkdir(parents=True)
    media.write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    return built, media


def _live_state(form_id: int) -> tuple[dict[str, int], list[tuple], list[tuple]]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts, _rows(cursor, SCORES_SQL.format(form=form_id)), _rows(cursor, RESULTS_SQL)


@on_sqlite
@transactional
def test_a_scored_sitting_restores_into_a_fresh_sqlite_database_with_the_same_rows_and_scores(officer, tmp_path):
    built, media = _scored_sitting(officer)
    counts, scores, results = _live_state(built.form.pk)
    archive = tmp_path / "backups" / "irexam.tar.gz"

    manifest = backup_create(output=archive, media_root=settings.MEDIA_ROOT)

    assert manifest.vendor == "sqlite"
    assert manifest.row_counts == counts
    assert "exams.0001_initial" in manifest.migrations
    assert set(manifest.members) == {"database.sqlite3", "media/question_media/angiogram.png"}
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": tmp_path / "fresh" / "db.sqlite3"}
    report = backup_restore(archive=archive, database=target, media_root=tmp_path / "fresh-media")

    assert report.row_counts == counts
    assert report.mismatched_tables == {}
    assert report.pending_migrations == []
    restored = sqlite3.connect(target["NAME"])
    try:
        cursor = restored.cursor()
        assert _rows(cursor, SCORES_SQL.format(form=built.form.pk)) == scores
        assert _rows(cursor, RESULTS_SQL) == results
    finally:
        restored.close()
    assert len(scores) == 5 and sum(1 for row in scores if row[-1]) == 2
    assert (tmp_path / "fresh-media" / "question_media" / "angiogram.png").read_bytes() == media.read_bytes()

    # A second restore into the now non-empty database is refused, unless forced.
    with pytest.raises(BackupError, match="not empty"):
        backup_restore(archive=archive, database=target, media_root=tmp_path / "other-media")
    forced = backup_restore(archive=archive, database=target, media_root=tmp_path / "fresh-media", force=True)
    assert forced.row_counts == counts


def _repack(archive: Path, tmp_path: Path, edit) -> Path:
    """Extract ``archive``, let ``edit(folder)`` change it, and pack it again."""
    folder = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    edit(folder)
    out = tmp_path / "edited.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=path.relative_to(folder).as_posix())
    return out


@pytest.fixture
def small_archive(transactional_db, tmp_path):
    media = Path(settings.MEDIA_ROOT) / "a.txt"
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_text("media")
    archive = tmp_path / "small.tar.gz"
    backup_create(output=archive, media_root=settings.MEDIA_ROOT)
    return archive


def _restore_refused(archive: Path, tmp_path: Path, match: str) -> None:
    target = tmp_path / "target" / "db.sqlite3"
    with pytest.raises(BackupError, match=match):
        backup_restore(
            archive=archive,
            database={"ENGINE": "django.db.backends.sqlite3", "NAME": target},
            media_root=tmp_path / "target-media",
        )
    assert not target.exists()  # refused before touching anything
    assert not (tmp_path / "target-media").exists()


@transactional
def test_a_restore_refuses_an_archive_whose_member_was_changed(small_archive, tmp_path):
    edited = _repack(small_archive, tmp_path, lambda folder: (folder / "media" / "a.txt").write_text("MEDIA"))
    _restore_refused(edited, tmp_path, "checksum mismatch: media/a.txt")


@transactional
def test_a_restore_refuses_an_archive_with_a_member_missing_from_its_manifest(small_archive, tmp_path):
    edited = _repack(small_archive, tmp_path, lambda folder: (folder / "media" / "extra.txt").write_text("x"))
    _restore_refused(edited, tmp_path, "unexpected")


@transactional
def test_a_restore_refuses_a_backup_made_by_newer_code(small_archive, tmp_path):
    def add_future_migration(folder: Path) -> None:
        manifest = json.loads((folder / MANIFEST).read_text())
        manifest["migrations"].append("exams.9999_from_the_future")
        (folder / MANIFEST).write_text(json.dumps(manifest))

    edited = _repack(small_archive, tmp_path, add_future_migration)
    _restore_refused(edited, tmp_path, "newer code.*exams.9999_from_the_future")


@transactional
def test_a_restore_refuses_a_damaged_archive(small_archive, tmp_path):
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(small_archive.read_bytes()[:200])
    _restore_refused(truncated, tmp_path, "cannot read the archive")
    with pytest.raises(BackupError, match="cannot read"):
        archive_verify(archive=truncated, into=tmp_path / "scratch")


@pytest.mark.postgres
@transactional
def test_a_scored_sitting_restores_into_a_fresh_postgresql_database_with_the_same_rows_and_scores(officer, tmp_path):
    import psycopg
    from psycopg import sql

    built, _media = _scored_sitting(officer)
    counts, scores, results = _live_state(built.form.pk)
    archive = tmp_path / "irexam-pg.tar.gz"
    manifest = backup_create(output=archive, media_root=settings.MEDIA_ROOT)
    assert manifest.vendor == "postgresql"
    assert manifest.row_counts == counts
    assert "database.pgdump" in manifest.members

    target = {**connection.settings_dict, "NAME": f"{connection.settings_dict['NAME']}_restore"}
    admin = {k: target[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if target.get(k)}
    params = {"host": admin.get("HOST"), "port": admin.get("PORT"), "user": admin.get("USER")}
    params = {k: v for k, v in params.items() if v} | ({"password": admin["PASSWORD"]} if "PASSWORD" in admin else {})

    def drop() -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target["NAME"])))

    drop()
    try:
        report = backup_restore(archive=archive, database=target, media_root=tmp_path / "fresh-media")
        assert report.row_counts == counts
        assert report.pending_migrations == []
        with psycopg.connect(dbname=target["NAME"], **params) as conn:
            cursor = conn.cursor()
            assert _rows(cursor, SCORES_SQL.format(form=built.form.pk)) == scores
            assert _rows(cursor, RESULTS_SQL) == results
        with pytest.raises(BackupError, match="not empty"):
            backup_restore(archive=archive, database=target, media_root=tmp_path / "other-media")
    finally:
        drop()
