"""Shared helpers for the format tests: fixture files, packages built from fixture folders."""

import io
import zipfile
from pathlib import Path

FILES = Path(__file__).parent / "files"
PNG = (FILES / "qti21_package" / "images" / "angio.png").read_bytes()


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def zip_folder(name: str) -> bytes:
    """Zip a fixture folder (hand-written package files) the way an authoring tool would."""
    folder = FILES / name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def zip_entries(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def by_id(report):
    return {q.source_id: q for q in report.questions}
