"""URL configuration: pages, the REST API under /api/v1/, its schema and docs, health."""

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import PasswordResetView, set_language

from . import views
from .api import ApiRootApi

# Django tries patterns in order: the exam-day hot paths (answer save, exam start, public
# verification) come first, so resolving them does not walk every other route (see bench/).
api_v1 = [
    path("", ApiRootApi.as_view(), name="root"),
    path("", include("exams.api.urls")),
    path("", include("certificates.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("question_bank.api.urls")),
    path("", include("curriculum.api.urls")),
]

urlpatterns = [
    path("api/v1/", include((api_v1, "api"))),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    # Before Django's auth URLs: the same page and name, limited per address (docs/security.md).
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("", include("curriculum.urls")),
    path("exams/", include("exams.urls")),
    path("bank/", include("question_bank.urls")),
    path("", include("certificates.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its start-up code as a script file, so the CSP needs no inline script;
    # only its small inline <style> needs 'unsafe-inline' for styles on this one page.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
