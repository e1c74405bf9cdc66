import pytest
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_the_api_root_lists_the_endpoints(api_client):
    response = api_client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["endpoints"]["me"].endswith("/api/v1/me/")


@pytest.mark.django_db
def test_the_openapi_schema_and_local_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "//cdn" not in html and "unpkg" not in html, "docs must be served locally"


@pytest.mark.django_db
def test_me_needs_authentication(api_client):
    assert api_client.get(reverse("api:me")).status_code in (401, 403)


@pytest.mark.django_db
def test_me_returns_the_user_and_their_roles(api_as, reviewer):
    body = api_as(reviewer).get(reverse("api:me")).json()
    assert body["username"] == "reviewer"
    assert body["roles"] == ["instructor", "reviewer"]


@pytest.mark.django_db
def test_a_token_authenticates_api_calls(api_client, trainee):
    token = api_client.post(reverse("api:token"), {"username": "trainee", "password": PASSWORD}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get(reverse("api:me")).json()["username"] == "trainee"


@pytest.mark.django_db
def test_a_wrong_password_gets_no_token(api_client, trainee):
    assert api_client.post(reverse("api:token"), {"username": "trainee", "password": "nope"}).status_code == 400


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    # Clashing component names or guessed serializers make a silently wrong schema: fail on any warning.
    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text(encoding="utf-8").startswith("openapi: 3")
