"""Shared by the import/export tests: files in every format, and a snapshot of every bank table."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

from django.apps import apps

FORMAT_FILES = Path(__file__).parent / "formats" / "files"
PNG = (FORMAT_FILES / "qti21_package" / "images" / "angio.png").read_bytes()


def bank_counts() -> dict[str, int]:
    """Row counts of every question_bank model plus the audit log: equal before/after = unchanged."""
    counts = {m._meta.label: m.objects.count() for m in apps.get_app_config("question_bank").get_models()}
    counts["accounts.AuditEvent"] = apps.get_model("accounts", "AuditEvent").objects.count()
    return counts


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def zip_entries(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GIFT = """// [id:GIFT-SBA]
::Scatter::An operator doubles the distance from the X-ray source.\\n\\nBy what factor does the scatter \
dose rate change?{
~It halves
=It falls to a quarter
~It is unchanged
####Inverse-square law.
}

// [id:GIFT-TF]
::Endoleak::A type II endoleak fills the sac through a branch vessel.{T}
"""

AIKEN = """Which vessel does a TIPS shunt connect to the portal vein?
A. Hepatic vein
B. Splenic vein
C. Renal vein
ANSWER: A
"""

CSV = (
    "source_id,type,area,level,pool,language,stem,lead_in,option_A,option_B,option_C,option_D,key,explanation\n"
    "CSV-1,sba,CORE-RAD,qualifying,practice,en,,Which law describes the fall of scatter dose with distance?,"
    "Inverse-square law,Ohm's law,Boyle's law,Hooke's law,A,Dose falls with the square of the distance.\n"
)

MOODLE_WITH_IMAGE = (
    """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/TIPS</text></category></question>
  <question type="multichoice">
    <name><text>Portal venogram</text></name>
    <idnumber>MOODLE-IMG-1</idnumber>
    <questiontext format="html"><text><![CDATA[<p>A portal venogram is obtained during the procedure.</p>
<p><img src="@@PLUGINFILE@@/venogram.png" alt="venogram"></p>
<p>Which two vessels does the TIPS shunt connect?</p>]]></text>
    <file name="venogram.png" path="/" encoding="base64">"""
    + base64.b64encode(PNG).decode()
    + """</file></questiontext>
    <generalfeedback format="html"><text>The shunt runs from a hepatic vein to the portal vein.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>Hepatic vein and portal vein</text></answer>
    <answer fraction="0"><text>Splenic vein and renal vein</text></answer>
    <answer fraction="0"><text>Hepatic artery and portal vein</text></answer>
  </question>
</quiz>
"""
)
