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
    """Every app's and the project's catalogue: nothing untranslated or fuzzy, and the committed .mo matches the .po."""
    import polib

    catalogues = [p for p in ROOT.glob(f"**/locale/{language}/LC_MESSAGES/django.po") if ".venv" not in p.parts]
    assert catalogues, f"no {language} catalogue found"
    for po_path in catalogues:
        po = polib.pofile(str(po_path))
        problems = [e.msgid for e in po.untranslated_entries() + po.fuzzy_entries()]
        assert not problems, f"{po_path}: untranslated or fuzzy: {problems[:5]}"
        mo_path = po_path.with_suffix(".mo")
        assert mo_path.exists(), f"{mo_path} is missing: run `make messages`"
        compiled = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.mofile(str(mo_path))
        }
        source = {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in po.translated_entries()
        }
        assert compiled == source, f"{mo_path} does not match {po_path.name}: run `make messages`"
