"""TOTP two-factor authentication (django-otp), required for officers when OFFICER_2FA_REQUIRED."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from tests.factories import PASSWORD

OFFICER_PAGE = ("accounts:role_dashboard", ["officer"])


@pytest.fixture(autouse=True)
def required(settings):
    settings.OFFICER_2FA_REQUIRED = True


@pytest.fixture
def no_throttle(settings):
    """A wrong code delays the next try (1 s, then doubling); these tests retry at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset_steps):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if code_for(device) != "000000" else "111111"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def officer_page(client):
    name, args = OFFICER_PAGE
    return client.get(reverse(name, args=args))


def test_an_officer_without_a_device_is_sent_to_enrolment(client_as, officer):
    response = officer_page(client_as(officer))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_an_officer_with_a_device_is_sent_to_the_verification_step(client_as, officer):
    confirmed_device(officer)
    response = officer_page(client_as(officer))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_the_officer_api_refuses_a_session_without_the_second_factor(client, officer):
    api = APIClient()
    api.force_login(officer)
    response = api.get(reverse("api:exams"))
    assert response.status_code == 403
    assert "authenticator" in str(response.json()) or "验证器" in str(response.json())


def test_enrolment_confirms_a_code_shows_backup_codes_and_opens_officer_pages(client_as, officer, no_throttle):
    client = client_as(officer)
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    wrong = client.post(reverse("accounts:two_factor_setup"), {"code": wrong_code(device)})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert officer_page(client).status_code == 302
    done = client.post(reverse("accounts:two_factor_setup"), {"code": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert officer_page(client).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.2fa_enrolled", actor=officer).count() == 1


def test_after_the_password_a_right_code_opens_officer_pages_and_a_wrong_one_does_not(client, officer, no_throttle):
    device = confirmed_device(officer)
    login = client.post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert login.status_code == 302
    assert client.get(login["Location"]).status_code == 302  # held at the second factor
    wrong = client.post(reverse("accounts:two_factor_verify"), {"code": "12345"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert officer_page(client).status_code == 302
    right = client.post(
        reverse("accounts:two_factor_verify"), {"code": code_for(device), "next": "/dashboard/officer/"}
    )
    assert right.status_code == 302 and right["Location"] == "/dashboard/officer/"
    assert officer_page(client).status_code == 200
    api = client.get(reverse("api:exams"))
    assert api.status_code == 200


def test_a_backup_code_works_once(client_as, officer):
    confirmed_device(officer)
    client = client_as(officer)
    from accounts.two_factor import backup_codes_renew

    code = backup_codes_renew(user=officer)[0]
    assert client.post(reverse("accounts:two_factor_verify"), {"code": code}).status_code == 302
    assert officer_page(client).status_code == 200
    assert not StaticToken.objects.filter(token=code).exists()
    client.logout()
    client.force_login(officer)
    again = client.post(reverse("accounts:two_factor_verify"), {"code": code})
    assert again.status_code == 200 and again.context["form"].errors


def test_a_password_alone_cannot_replace_an_enrolled_device(client_as, officer):
    confirmed_device(officer)
    client = client_as(officer)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_new_backup_codes_need_the_second_factor(client_as, officer):
    confirmed_device(officer)
    client = client_as(officer)
    response = client.post(reverse("accounts:two_factor_backup_codes"))
    assert response.status_code == 302
    assert not StaticToken.objects.filter(device__user=officer).exists()


def test_other_roles_are_not_held(client_as, trainee):
    assert client_as(trainee).get(reverse("accounts:role_dashboard", args=["trainee"])).status_code == 200


def test_the_officer_token_exchange_needs_a_code(officer, no_throttle):
    device = confirmed_device(officer)
    api = APIClient()
    url = reverse("api:token")
    without = api.post(url, {"username": "officer", "password": PASSWORD})
    assert without.status_code == 403 and without.json()["code"] == "second_factor_required"
    wrong = api.post(url, {"username": "officer", "password": PASSWORD, "otp": "000000"})
    assert wrong.status_code == 403 or code_for(device) == "000000"
    right = api.post(url, {"username": "officer", "password": PASSWORD, "otp": code_for(device)})
    assert right.status_code == 200 and re.fullmatch(r"[0-9a-f]{40}", right.json()["token"])


def test_with_the_requirement_off_officers_are_not_held(client_as, officer, settings):
    settings.OFFICER_2FA_REQUIRED = False
    assert officer_page(client_as(officer)).status_code == 200


def test_a_wrong_code_delays_the_next_try(client_as, officer):
    device = confirmed_device(officer)
    client = client_as(officer)
    client.post(reverse("accounts:two_factor_verify"), {"code": wrong_code(device)})
    # Right away, even the right code is refused (django-otp's throttling), so codes cannot be guessed quickly.
    response = client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    assert response.status_code == 200 and response.context["form"].errors
    assert officer_page(client).status_code == 302
