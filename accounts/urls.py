from django.urls import path

from . import views, views_lockouts, views_two_factor

app_name = "accounts"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:role>/", views.role_dashboard, name="role_dashboard"),
    path("profile/", views.profile, name="profile"),
    path("account/two-factor/", views_two_factor.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views_two_factor.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/backup-codes/", views_two_factor.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("accounts/lockouts/", views_lockouts.lockouts, name="lockouts"),
    path("accounts/lockouts/unlock/", views_lockouts.lockout_unlock, name="lockout_unlock"),
]
