"""Signed JSON from review and social tools: verified, never replayed, mapped to feedback."""

import json
import time
from typing import Any

import pytest
from django.test import Client

from amends.cases.models import Case
from amends.intake.channels.webhook import signing
from amends.intake.channels.webhook.mapping import MappingError, apply_mapping, validate_mapping
from amends.intake.models import Feedback, WebhookSource

from .conftest import World

SECRET = "whsec-test-0123456789"
MAPPING = {
    "external_ref": "id",
    "customer.external_id": "author.id",
    "customer.name": "author.name",
    "text": "review.body",
    "scores.csat": "review.stars",
    "kind": {"value": "survey"},
}


def review(review_id: str = "r-1", stars: int = 1, body: str = "Rude staff at the desk.") -> dict[str, Any]:
    return {"id": review_id, "author": {"id": "ta-77", "name": "Mark Evans"}, "review": {"stars": stars, "body": body}}


@pytest.fixture
def source(world: World) -> WebhookSource:
    return WebhookSource.objects.create(
        slug="reviews", name="Review tool", secret=SECRET, location=world.ams, mapping=MAPPING
    )


def deliver(
    document: Any, *, secret: str = SECRET, at: float | None = None, header: str | None = None, slug: str = "reviews"
):
    body = json.dumps(document).encode() if not isinstance(document, bytes) else document
    if header is None:
        header = signing.sign(secret, int(at if at is not None else time.time()), body)
    return Client().post(
        f"/api/v1/intake/webhooks/{slug}", body, content_type="application/json", headers={"Amends-Signature": header}
    )


@pytest.mark.django_db
def test_a_signed_bad_review_opens_a_case(source: WebhookSource) -> None:
    response = deliver(review())
    assert response.status_code == 201, response.content
    feedback = Feedback.objects.get()
    assert (feedback.source, feedback.external_ref, feedback.csat, feedback.channel) == (
        "webhook:reviews",
        "r-1",
        1,
        "social",
    )
    assert feedback.customer.name == "Mark Evans"
    assert response.json()["case"]["id"] == Case.objects.get().pk


@pytest.mark.django_db
def test_a_good_review_is_stored_without_a_case(source: WebhookSource) -> None:
    assert deliver(review(stars=5, body="Lovely!")).json()["case"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "wrong-secret"}, "unauthorized"),
        ({"header": "garbage"}, "unauthorized"),
        ({"header": ""}, "unauthorized"),
        ({"at": time.time() - 3600}, "unauthorized"),
    ],
    ids=["wrong-secret", "malformed", "missing", "stale"],
)
def test_an_unsigned_wrongly_signed_or_stale_delivery_is_refused(
    source: WebhookSource, kwargs: dict, code: str
) -> None:
    response = deliver(review(), **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response.json()["field"] == "Amends-Signature"
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_the_same_delivery_sent_again_is_refused_as_a_replay(source: WebhookSource) -> None:
    body = json.dumps(review()).encode()
    header = signing.sign(SECRET, int(time.time()), body)
    assert deliver(body, header=header).status_code == 201
    replay = deliver(body, header=header)
    assert replay.status_code == 409
    assert replay.json()["code"] == "duplicate"
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_the_same_review_signed_anew_is_still_stored_once(source: WebhookSource) -> None:
    first = deliver(review(), at=time.time() - 5).json()
    again = deliver(review()).json()
    assert again == first
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_a_delivery_the_mapping_cannot_fill_is_refused_with_the_field(source: WebhookSource) -> None:
    response = deliver({"id": "x", "review": {"stars": 9, "body": "?"}, "author": {"id": "a"}})
    assert response.status_code == 422
    assert response.json()["field"] == "scores.csat"
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_an_unknown_or_inactive_source_is_404(source: WebhookSource) -> None:
    assert deliver(review(), slug="nope").status_code == 404
    source.is_active = False
    source.save()
    assert deliver(review()).status_code == 404


@pytest.mark.django_db
def test_invalid_json_with_a_valid_signature_is_400(source: WebhookSource) -> None:
    response = deliver(b"{not json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"


def test_signatures_verify_within_the_tolerance_and_accept_a_rotated_secret() -> None:
    body = b'{"a": 1}'
    header = signing.sign("old", 1000, body) + "," + signing.sign("new", 1000, body).split(",")[1]
    assert signing.verify(secret="new", header=header, body=body, now=1200, tolerance=300).timestamp == 1000
    with pytest.raises(signing.SignatureError):
        signing.verify(secret="new", header=header, body=body + b" ", now=1200, tolerance=300)
    with pytest.raises(signing.SignatureError):
        signing.verify(secret="new", header=header, body=body, now=1301, tolerance=300)


def test_a_mapping_reads_paths_and_constants_into_the_feedback_shape() -> None:
    payload = apply_mapping(MAPPING, review(), defaults={"location": "ams", "kind": "complaint"})
    assert payload == {
        "location": "ams",
        "kind": "survey",
        "external_ref": "r-1",
        "customer": {"external_id": "ta-77", "name": "Mark Evans"},
        "text": "Rude staff at the desk.",
        "scores": {"csat": 1},
    }
    with pytest.raises(MappingError, match="colour"):
        validate_mapping({"colour": "x"})
