import re

from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD


def test_login_with_a_wrong_password_is_refused(client, trainee):
    response = client.post(reverse("login"), {"username": "trainee", "password": "wrong"})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated


def test_logout_ends_the_session(client_as, trainee):
    client = client_as(trainee)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 302


def test_password_change_needs_the_old_password_and_a_strong_new_one(client_as, trainee):
    client = client_as(trainee)
    weak = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert weak.status_code == 200 and weak.context["form"].errors
    ok = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Interventional-2026", "new_password2": "Interventional-2026"},
    )
    assert ok.status_code == 302
    trainee.refresh_from_db()
    assert trainee.check_password("Interventional-2026")


def test_password_reset_sends_a_working_link_by_email(client, trainee):
    response = client.post(reverse("password_reset"), {"email": trainee.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    page = client.get(link, follow=True)
    assert page.context["validlink"]
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": "Catheter-Guidewire-9", "new_password2": "Catheter-Guidewire-9"}
    )
    assert done.status_code == 302
    trainee.refresh_from_db()
    assert trainee.check_password("Catheter-Guidewire-9")


def test_password_reset_does_not_reveal_whether_an_address_exists(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0
