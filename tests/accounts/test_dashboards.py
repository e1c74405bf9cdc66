import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory

ROLE_FIXTURES = ["trainee", "instructor", "officer", "proctor"]


@pytest.mark.parametrize(
    "persona, role",
    [("trainee", "trainee"), ("instructor", "instructor"), ("officer", "officer"), ("proctor", "proctor")],
)
def test_logging_in_lands_each_role_on_its_own_dashboard(client, persona, role, request):
    user = request.getfixturevalue(persona)
    response = client.post(reverse("login"), {"username": user.username, "password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:role_dashboard", args=[role])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["role"] == role


def test_a_reviewer_lands_on_the_reviewer_dashboard(client_as, reviewer):
    response = client_as(reviewer).get(reverse("accounts:dashboard"))
    assert response["Location"] == reverse("accounts:role_dashboard", args=["instructor"])


@pytest.mark.parametrize("persona", ROLE_FIXTURES)
def test_a_user_cannot_open_the_dashboard_of_a_role_they_do_not_hold(client_as, persona, request):
    user = request.getfixturevalue(persona)
    for role in Role.values:
        response = client_as(user).get(reverse("accounts:role_dashboard", args=[role]))
        expected = 200 if user.has_role(role) else 403
        assert response.status_code == expected, (persona, role)


def test_a_user_with_several_roles_sees_each_dashboard_and_navigation_for_all(client_as, db):
    user = UserFactory(username="multi", roles=[Role.INSTRUCTOR, Role.REVIEWER, Role.PROCTOR])
    client = client_as(user)
    for role in ("instructor", "reviewer", "proctor"):
        assert client.get(reverse("accounts:role_dashboard", args=[role])).status_code == 200
    page = client.get(reverse("accounts:role_dashboard", args=["reviewer"]))
    assert [group["role"] for group in page.context["nav_roles"]] == ["instructor", "reviewer", "proctor"]
    assert client.get(reverse("accounts:role_dashboard", args=["officer"])).status_code == 403


def test_a_user_without_a_role_is_told_so(client_as, db):
    user = UserFactory(username="nobody")
    response = client_as(user).get(reverse("accounts:dashboard"))
    assert response.status_code == 200
    assert "accounts/no_role.html" in [t.name for t in response.templates]


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("accounts:role_dashboard", args=["officer"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_role_is_not_found(client_as, officer):
    assert client_as(officer).get("/dashboard/superuser/").status_code == 404


def test_roles_hold_their_declared_permissions(db):
    from django.contrib.auth.models import Group

    from accounts.roles import granted, sync_roles

    sync_roles()
    officer_group = Group.objects.get(name="officer")
    names = {
        f"{p.content_type.app_label}.{p.codename}" for p in officer_group.permissions.select_related("content_type")
    }
    assert "accounts.view_auditevent" in names
    assert names <= granted("officer")
    trainee_group = Group.objects.get(name="trainee")
    assert "accounts.view_auditevent" not in {p.codename for p in trainee_group.permissions.all()}
