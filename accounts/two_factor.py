"""Two-factor authentication with django-otp: TOTP authenticator apps plus one-time backup codes.

Officers must have a confirmed device and have used it in the current session when
``settings.OFFICER_2FA_REQUIRED`` is on (``OfficerTwoFactorMiddleware`` for pages,
``accounts.authentication.SessionAuthentication`` for the API, ``TokenApi`` for tokens). Any
other user may enrol too. Steps of an enrolment:

1. ``totp_device_start`` makes an unconfirmed TOTP device (replacing an earlier unconfirmed one);
   the page shows its QR code (segno, as a data URI) and the secret for manual entry.
2. ``totp_device_confirm`` checks a code from the app, confirms the device, marks this session as
   verified with it and returns fresh backup codes (shown once).

A user who already has a confirmed device must verify with it before enrolling another or
renewing backup codes, so a stolen password alone never replaces the second factor.
"""

from __future__ import annotations

from base64 import b32encode

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .roles import Role

TOTP_NAME = "authenticator"
BACKUP_NAME = "backup codes"


def is_verified(user) -> bool:
    """This session passed a second factor (set by django-otp's middleware; False without it)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def needs_second_factor(user) -> bool:
    """An officer who has not passed a second factor in this session, when that is required."""
    return bool(
        settings.OFFICER_2FA_REQUIRED
        and user is not None
        and user.is_authenticated
        and user.has_role(Role.OFFICER)
        and not is_verified(user)
    )


def has_confirmed_device(user) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def totp_device_start(*, user) -> TOTPDevice:
    """A new unconfirmed TOTP device for ``user`` (an earlier unconfirmed one is discarded)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_device_pending(*, user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` URL as an SVG QR code data URI (allowed by the CSP's img-src)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def totp_secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def backup_codes_renew(*, user) -> list[str]:
    """Replace the user's backup codes with ``OTP_STATIC_BACKUP_CODES`` new ones (each works once)."""
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME, defaults={"confirmed": True})
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(settings.OTP_STATIC_BACKUP_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a code from the app; None when the code is wrong (or throttled).

    On success: the device is confirmed (older confirmed TOTP devices of the user are removed),
    this session counts as verified, and the new backup codes are returned.
    """
    user = request.user
    if device.user_id != user.pk or device.confirmed:
        return None
    allowed, _details = device.verify_is_allowed()
    if not allowed or not device.verify_token(_clean(token)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = backup_codes_renew(user=user)
        audit_record(action="accounts.2fa_enrolled", actor=user, target=user, request=request)
    django_otp.login(request, device)
    return codes


def second_factor_verify(*, request: HttpRequest, token: str):
    """Check a TOTP or backup code against the user's confirmed devices; the device or None.

    Each device throttles wrong codes itself (growing delays), so guessing is slow.
    """
    user = request.user
    token = _clean(token)
    if not token:
        return None
    with transaction.atomic():
        device = _matching_device(user, token)
    if device is not None:
        django_otp.login(request, device)
    return device


def token_matches(*, user, token: str) -> bool:
    """For the API token exchange: is ``token`` a valid second factor of ``user``?"""
    token = _clean(token)
    if not token:
        return False
    with transaction.atomic():
        return _matching_device(user, token) is not None


def _matching_device(user, token: str):
    """Inside a transaction: the devices are locked while a code is checked and used up."""
    for device in django_otp.devices_for_user(user, confirmed=True, for_verify=True):
        allowed, _details = device.verify_is_allowed()
        if allowed and device.verify_token(token):
            return device
    return None


def _clean(token: str) -> str:
    return "".join((token or "").split())
