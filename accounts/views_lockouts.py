"""Officers see which sign-ins are locked (django-axes) and unlock them early."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .audit import audit_record
from .lockout import USERNAME_MAX
from .permissions import role_required
from .roles import Role

MAX_ROWS = 200


@role_required(Role.OFFICER)
def lockouts(request: HttpRequest) -> HttpResponse:
    """Username and address pairs locked now (newest first)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")[:MAX_ROWS]
    return render(
        request,
        "accounts/lockouts.html",
        {"rows": rows, "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
    )


@require_POST
@role_required(Role.OFFICER)
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    """Clear the failures of one username (from one address when given); audited."""
    username = request.POST.get("username", "").strip()[:USERNAME_MAX]
    ip_address = request.POST.get("ip_address", "").strip()[:45] or None
    if not username:
        messages.error(request, _("Name the username to unlock."))
        return redirect("accounts:lockouts")
    cleared = axes_reset(username=username, ip=ip_address)
    audit_record(
        action="accounts.login_unlocked",
        actor=request.user,
        target_type="accounts.user",
        target_id=username,
        summary=username,
        data={"ip_address": ip_address, "records": cleared},
        request=request,
    )
    messages.success(request, _("%(username)s can sign in again.") % {"username": username})
    return redirect("accounts:lockouts")
