"""Two-factor pages: enrol an authenticator app, verify after the password, renew backup codes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import two_factor
from .forms import OtpCodeForm


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url("accounts:dashboard")


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code and confirm one code; then the backup codes are shown once."""
    user = request.user
    if two_factor.has_confirmed_device(user) and not two_factor.is_verified(user):
        # Replacing a device needs the current one first: a password alone never re-enrols.
        return redirect(f"{resolve_url('accounts:two_factor_verify')}?{urlencode({'next': request.path})}")
    form = OtpCodeForm(request.POST or None)
    device = two_factor.totp_device_pending(user=user)
    if request.method == "POST" and device is not None and form.is_valid():
        codes = two_factor.totp_device_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            return render(
                request, "accounts/two_factor/backup_codes.html", {"codes": codes, "next": _next_url(request)}
            )
        form.add_error("code", _("That code is not right. Check the time on your phone and try the newest code."))
    if device is None or request.method == "GET":
        device = two_factor.totp_device_start(user=user)
    context = {
        "form": form,
        "qr": two_factor.totp_qr_data_uri(device),
        "secret": two_factor.totp_secret_text(device),
        "enrolled": two_factor.has_confirmed_device(user),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor/setup.html", context)


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The step after the password: a code from the app or a backup code."""
    if not two_factor.has_confirmed_device(request.user):
        return redirect(f"{resolve_url('accounts:two_factor_setup')}?{urlencode({'next': _next_url(request)})}")
    if two_factor.is_verified(request.user):
        return redirect(_next_url(request))
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.second_factor_verify(request=request, token=form.cleaned_data["code"]) is not None:
            return redirect(_next_url(request))
        form.add_error("code", _("That code is not right, or too many wrong codes were tried: wait and try again."))
    return render(request, "accounts/two_factor/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@require_POST
@login_required
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes (the old ones stop working); needs this session's second factor."""
    if not two_factor.is_verified(request.user):
        messages.error(request, _("Confirm your sign-in with your authenticator app first."))
        return redirect("accounts:two_factor_verify")
    codes = two_factor.backup_codes_renew(user=request.user)
    return render(
        request, "accounts/two_factor/backup_codes.html", {"codes": codes, "next": resolve_url("accounts:profile")}
    )
