from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_the_site_speaks_chinese_by_default(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "介入放射学" in response.content.decode()
    assert '<html lang="zh-Hans">' in response.content.decode()


@pytest.mark.django_db
def test_accept_language_english_gives_english(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Interventional Radiology Training and Credentialing" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switcher_changes_the_language_and_remembers_it(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert "Log in" in page.content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "登录" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_a_users_saved_preference_applies_after_login(client, trainee):
    trainee.preferred_language = "en"
    trainee.save()
    client.force_login(trainee)
    page = client.get(reverse("accounts:role_dashboard", args=["trainee"]))
    assert "Your account" in page.content.decode()


@pytest.mark.django_db
def test_switching_language_when_signed_in_saves_the_preference(client_as, trainee):
    client_as(trainee).post(reverse("set_language"), {"language": "en", "next": "/"})
    trainee.refresh_from_db()
    assert trainee.preferred_language == "en"


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_catalogues_are_complete_and_compiled(language):
    """Every app's and the project's catalogue: no untranslated or fuzzy entry, and a compiled .mo beside it."""
    catalogues = [p for p in ROOT.glob(f"**/locale/{language}/LC_MESSAGES/django.po") if ".venv" not in p.parts]
    assert catalogues, f"no {language} catalogue found"
    for po in catalogues:
        text = po.read_text(encoding="utf-8")
        assert "#, fuzzy" not in text.split("\n\n", 1)[1], f"{po} has fuzzy entries"
        untranslated = _untranslated(text)
        assert not untranslated, f"{po}: untranslated: {untranslated[:5]}"
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run `make messages`"
        assert mo.stat().st_mtime >= po.stat().st_mtime - 1, f"{mo} is older than {po}: run `make messages`"


def _untranslated(text: str) -> list[str]:
    missing = []
    for block in text.split("\n\n")[1:]:
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if not lines or lines[0].startswith("#~"):
            continue
        joined = "\n".join(lines)
        if 'msgid ""' in lines[0] and len(lines) > 1 and not lines[1].startswith('"'):
            continue
        if "msgstr_plural" in joined or "msgstr[" in joined:
            if 'msgstr[0] ""' in joined and not _continues(lines, 'msgstr[0] ""'):
                missing.append(lines[0])
            continue
        if lines[-1] == 'msgstr ""':
            missing.append(" ".join(lines[:-1]))
    return missing


def _continues(lines: list[str], marker: str) -> bool:
    index = lines.index(marker)
    return index + 1 < len(lines) and lines[index + 1].startswith('"')
