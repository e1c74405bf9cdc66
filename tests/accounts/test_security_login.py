"""Login throttling and lockout (django-axes) and the password rules."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from accounts.demo import DEMO_USERS
from accounts.models import User
from tests.factories import PASSWORD


@pytest.fixture
def lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _fail(client, username="trainee", **extra):
    return client.post(reverse("login"), {"username": username, "password": "not-the-password"}, **extra)


def test_the_login_page_locks_a_username_and_address_after_repeated_failures(client, trainee, lockout_after_three):
    assert [_fail(client).status_code for _ in range(2)] == [200, 200]
    locked = _fail(client, HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "no-store" in locked["Cache-Control"]
    with translation.override("en"):
        assert "Too many failed login attempts" in locked.content.decode()
    # Even the right password is refused while locked.
    right = client.post(reverse("login"), {"username": "trainee", "password": PASSWORD})
    assert right.status_code == 429
    assert not right.wsgi_request.user.is_authenticated


def test_the_lockout_message_is_in_chinese_by_default(client, trainee, lockout_after_three):
    for _ in range(3):
        locked = _fail(client)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()


def test_the_lock_is_per_username_and_address(client, trainee, other_trainee, lockout_after_three):
    for _ in range(3):
        _fail(client)
    other_address = client.post(reverse("login"), {"username": "trainee", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert other_address.status_code == 302
    client.logout()
    other_user = client.post(reverse("login"), {"username": "other_trainee", "password": PASSWORD})
    assert other_user.status_code == 302


def test_a_successful_login_resets_the_failure_count(client, trainee, lockout_after_three):
    _fail(client)
    _fail(client)
    assert client.post(reverse("login"), {"username": "trainee", "password": PASSWORD}).status_code == 302
    client.logout()
    assert [_fail(client).status_code for _ in range(2)] == [200, 200]


def test_an_officer_can_unlock_a_username_with_a_command(client, trainee, lockout_after_three):
    for _ in range(3):
        _fail(client)
    call_command("axes_reset_username", "trainee")
    assert client.post(reverse("login"), {"username": "trainee", "password": PASSWORD}).status_code == 302


def test_the_api_token_exchange_counts_failures_and_locks_too(api_client, trainee, lockout_after_three):
    url = reverse("api:token")
    for _ in range(3):
        assert api_client.post(url, {"username": "trainee", "password": "wrong"}).status_code in (400, 429)
    locked = api_client.post(url, {"username": "trainee", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out" and int(locked["Retry-After"]) > 0


def test_the_api_token_exchange_still_works_with_the_right_password(api_client, trainee):
    response = api_client.post(reverse("api:token"), {"username": "trainee", "password": PASSWORD})
    assert response.status_code == 200 and len(response.json()["token"]) == 40


@pytest.mark.parametrize(
    "password",
    ["short-pw-1", "password123456", "12345678901234", "trainee-trainee"],
)
def test_weak_passwords_are_refused(db, password):
    user = User(username="trainee-trainee", email="trainee@example.org")
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_the_minimum_length_is_twelve(settings):
    lengths = [
        v["OPTIONS"]["min_length"]
        for v in settings.AUTH_PASSWORD_VALIDATORS
        if v["NAME"].endswith("MinimumLengthValidator")
    ]
    assert lengths == [12]


@pytest.mark.parametrize(("username", "password"), [(u, p) for u, p, *_rest in DEMO_USERS])
def test_every_demo_password_passes_the_rules(db, username, password):
    validate_password(password, User(username=username, email=f"{username}@demo.irexam.local"))


def test_behind_a_trusted_proxy_the_lock_follows_the_forwarded_client_address(
    client, trainee, lockout_after_three, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for spoofed in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):  # the client writes anything on the left
        _fail(client, HTTP_X_FORWARDED_FOR=f"{spoofed}, 203.0.113.7", REMOTE_ADDR="10.0.0.1")
    locked = client.post(
        reverse("login"),
        {"username": "trainee", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7",
        REMOTE_ADDR="10.0.0.1",
    )
    assert locked.status_code == 429
    other_client = client.post(
        reverse("login"),
        {"username": "trainee", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.4",
        REMOTE_ADDR="10.0.0.1",
    )
    assert other_client.status_code == 302


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, trainee, lockout_after_three):
    for n in range(3):
        _fail(client, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _fail(client, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_an_overlong_username_is_refused_before_any_lookup(api_client, db):
    response = api_client.post(reverse("api:token"), {"username": "x" * 300, "password": "whatever"})
    assert response.status_code == 400


def test_axes_records_at_most_the_username_columns_length(rf):
    from accounts.lockout import lockout_username

    request = rf.post("/accounts/login/", {"username": "y" * 300})
    assert len(lockout_username(request, None)) == 150
    assert lockout_username(request, {"username": "z" * 400}) == "z" * 150
    assert lockout_username(rf.post("/accounts/login/", {}), None) is None


def test_an_officer_sees_a_locked_sign_in_and_unlocks_it(client, client_as, trainee, officer, lockout_after_three):
    from accounts.models import AuditEvent

    for _ in range(3):
        _fail(client)
    client.logout()
    staff = client_as(officer)
    page = staff.get(reverse("accounts:lockouts"))
    assert page.status_code == 200
    assert [row.username for row in page.context["rows"]] == ["trainee"]
    response = staff.post(reverse("accounts:lockout_unlock"), {"username": "trainee", "ip_address": "127.0.0.1"})
    assert response.status_code == 302
    assert list(staff.get(reverse("accounts:lockouts")).context["rows"]) == []
    event = AuditEvent.objects.get(action="accounts.login_unlocked")
    assert event.actor == officer and event.target_id == "trainee"
    staff.logout()
    assert client.post(reverse("login"), {"username": "trainee", "password": PASSWORD}).status_code == 302


def test_only_officers_see_or_clear_lockouts(client_as, trainee, proctor, lockout_after_three):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="trainee", ip_address="127.0.0.1", user_agent="", http_accept="", path_info="/", failures_since_start=3
    )
    for user in (trainee, proctor):
        client = client_as(user)
        assert client.get(reverse("accounts:lockouts")).status_code == 403
        assert client.post(reverse("accounts:lockout_unlock"), {"username": "trainee"}).status_code == 403
    assert AccessAttempt.objects.count() == 1


def test_password_reset_requests_are_limited_per_address(client, trainee, settings):
    from django.core import mail

    settings.PASSWORD_RESET_RATE = "2/h"
    url = reverse("password_reset")
    assert [client.post(url, {"email": trainee.email}).status_code for _ in range(2)] == [302, 302]
    limited = client.post(url, {"email": trainee.email}, HTTP_ACCEPT_LANGUAGE="en")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many password reset requests" in limited.content.decode()
    assert len(mail.outbox) == 2
    assert client.post(url, {"email": trainee.email}, REMOTE_ADDR="10.9.8.7").status_code == 302
