"""Dashboards per role, the profile page and the language switch."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from irexam import ratelimit

from .dashboards import panels_for
from .forms import ProfileForm
from .roles import Role
from .two_factor import has_confirmed_device


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Land each user on the dashboard of their first role."""
    roles = request.user.ordered_roles()
    if not roles:
        return render(request, "accounts/no_role.html")
    return redirect("accounts:role_dashboard", role=roles[0])


@login_required
def role_dashboard(request: HttpRequest, role: str) -> HttpResponse:
    if role not in Role.values:
        raise Http404
    if not request.user.has_role(role):
        raise PermissionDenied
    panels = [{"template": panel.template, **panel.context(request)} for panel in panels_for(role)]
    return render(
        request,
        "accounts/dashboard.html",
        {"role": role, "role_label": Role(role).label, "panels": panels},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        if user.preferred_language:
            from django.conf import settings

            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user.preferred_language, samesite=settings.LANGUAGE_COOKIE_SAMESITE
            )
        return response
    context = {
        "form": form,
        "two_factor_enrolled": has_confirmed_device(request.user),
        "user_is_officer": request.user.has_role(Role.OFFICER),
    }
    return render(request, "accounts/profile.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice on the user's profile."""
    response = django_set_language(request)
    language = request.POST.get("language")
    user = request.user
    if user.is_authenticated and language in dict(user.Language.choices) and user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per address (``PASSWORD_RESET_RATE``) against mail flooding."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        address = request.META.get("REMOTE_ADDR") or "unknown"
        allowed, retry_after = ratelimit.hit(f"password_reset:{address}", "PASSWORD_RESET_RATE")
        if allowed:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form.add_error(
            None,
            _("Too many password reset requests from your address. Please wait %(s)s seconds.") % {"s": retry_after},
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(retry_after)
        return response
