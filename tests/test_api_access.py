"""Who may call the API: bearer tokens, stored hashed, acting with their user's permissions."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from amends.core.models import ApiToken, hash_token

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "Basic YWxpY2U6eA==", "Bearer "])
def test_a_missing_or_wrong_token_is_refused_with_401(world: World, header: str | None) -> None:
    client = Client(HTTP_AUTHORIZATION=header) if header else Client()
    for response in (
        client.get("/api/v1/cases"),
        client.post("/api/v1/feedback", negative_survey(), content_type="application/json"),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_tokens_are_stored_only_as_hashes(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("api_token", "create", "alice")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(user=world.alice)
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.prefix}
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/cases").status_code == 200


def test_the_command_refuses_an_unknown_user(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "create", "nobody")


def test_a_revoked_token_or_inactive_user_is_refused(world: World) -> None:
    api = ApiClient(world.alice)
    ApiToken.objects.update(revoked_at=timezone.now())
    assert api.get("/cases").status_code == 401
    api = ApiClient(world.bob)
    world.bob.is_active = False
    world.bob.save()
    assert api.get("/cases").status_code == 401


def test_only_supervisors_and_admins_add_locations(world: World) -> None:
    body = {"code": "rtm", "name": "Rotterdam hub", "country": "NL", "timezone": "Europe/Amsterdam"}
    refused = ApiClient(world.alice).post("/locations", body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert ApiClient(world.bob).post("/locations", {**body, "team": "amsterdam"}).status_code == 201
