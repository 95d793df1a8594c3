"""Names, titles and subjects are one line: a line break (or another control character) is refused at input on
every path (the API, the pages, the back office), and text already stored is put on one line where it becomes an
email header."""

from typing import Any

import pytest
from django.test import Client

from amends.cases.models import CaseMessage
from amends.core.models import Location
from amends.core.text import flattened, has_line_break
from amends.incidents.models import Incident

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db

BREAKS = ["Hotel\r\nBcc: spy@example.com", "Hotel\nNorth", "Hotel\rNorth", "Hotel\tNorth", "Hotel\u2028North", "A\x00B"]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", BREAKS)
def test_a_location_name_with_a_line_break_is_refused_by_the_api(api: ApiClient, name: str) -> None:
    response = api.post("/locations", {"code": "north", "name": name, "country": "NL"})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("invalid_value", "name")
    assert "one line" in response.json()["message"]
    assert not Location.objects.filter(code="north").exists()


def test_the_refusal_is_in_the_callers_language(api: ApiClient) -> None:
    response = api.post(
        "/locations", {"code": "north", "name": "Hotel\nNorth", "country": "NL"}, **{"Accept-Language": "nl"}
    )
    assert response.status_code == 422 and "one line" not in response.json()["message"]


INCIDENT = {"title": "Storm\r\nBcc: x@example.com", "cohort": {"location": "ams"}, "message": {"en": "Late\nSorry."}}
INTERACTION = {
    "external_id": "o-1",
    "customer": {"external_id": "c1"},
    "location": "ams",
    "kind": "order\n",
    "occurred_at": "2026-11-19T10:00:00+01:00",
}
CUSTOMER_NAME = {"external_id": "c1", "name": "Anna\r\nBcc: x@example.com"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/calendars", {"name": "Office\nhours"}, "name"),
        ("/sla-policies", {"name": "VIP\r\nfast", "calendar": 1}, "name"),
        ("/incidents", INCIDENT, "title"),
        ("/feedback", negative_survey(customer=CUSTOMER_NAME), "customer.name"),
        ("/interactions", INTERACTION, "kind"),
        ("/detection-rules", {"name": "Rule\none"}, "name"),
    ],
)
def test_other_one_line_fields_refuse_a_line_break_on_the_api(api: ApiClient, path: str, body: dict, field: str):
    response = api.post(path, body)
    assert response.status_code == 422, response.json()
    assert (response.json()["code"], response.json()["field"]) == ("invalid_value", field)


def test_a_message_subject_with_a_line_break_is_refused_and_nothing_is_queued(api: ApiClient) -> None:
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    for subject in ("Hello\r\nBcc: victim@example.com", "Hello\nthere"):
        response = api.post(f"/cases/{case_id}/messages", {"subject": subject, "body": "Dear Anna, sorry."})
        assert response.status_code == 422
        assert (response.json()["code"], response.json()["field"]) == ("invalid_value", "subject")
    assert not CaseMessage.objects.exists()


def test_the_case_composer_refuses_a_subject_with_a_line_break_next_to_the_field(api: ApiClient, world: World) -> None:
    case_id = api.post("/feedback", negative_survey()).json()["case"]["id"]
    response = logged_in(world.alice).post(
        f"/cases/{case_id}/messages/",
        {"message-language": "nl", "message-subject": "Hello\r\nBcc: victim@example.com", "message-body": "Sorry."},
    )
    assert response.status_code == 422
    assert response.context["message_form"].errors["subject"]
    assert 'id="id_message-subject-error"' in response.content.decode()
    assert not CaseMessage.objects.exists()


def test_the_incident_form_refuses_a_title_with_a_line_break(world: World) -> None:
    form = {"title": "Storm\nBcc: x@example.com", "location": "ams", "message_en": "Delayed\nSorry."}
    response = logged_in(world.bob).post("/incidents/declare/", form)
    assert response.status_code == 422
    assert response.context["form"].errors["title"]
    assert not Incident.objects.exists()


def test_the_back_office_refuses_a_location_name_with_a_line_break(world: World) -> None:
    form = {"code": "north", "name": "Hotel\r\nBcc: spy@example.com", "country": "NL", "timezone": "UTC"}
    response = logged_in(world.admin).post("/admin/core/location/add/", form)
    assert response.status_code == 200  # the form again, with the error
    assert "one line" in response.content.decode()
    assert not Location.objects.filter(code="north").exists()
    form["name"] = "Hotel North"
    assert logged_in(world.admin).post("/admin/core/location/add/", form).status_code == 302


def test_the_back_office_refuses_a_team_name_with_a_line_break(world: World) -> None:
    response = logged_in(world.admin).post("/admin/core/team/add/", {"slug": "north", "name": "North\nteam"})
    assert response.status_code == 200 and "one line" in response.content.decode()


def test_the_public_complaint_form_refuses_a_name_with_a_line_break() -> None:
    from amends.intake.channels.webform.forms import ComplaintForm

    data = {"text": "The room was dirty.", "name": "Anna\r\nBcc: x@example.com", "email": "anna@example.com"}
    form = ComplaintForm(data, location_code="ams")
    assert not form.is_valid() and "name" in form.errors


def test_the_openapi_description_documents_the_rule(api: ApiClient) -> None:
    schema = Client().get("/api/openapi.json").json()
    location = schema["components"]["schemas"]["LocationIn"]["properties"]["name"]
    assert location["pattern"] == "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"


def test_ordinary_names_are_one_line() -> None:
    for name in ("Hotel Amsterdam", "Café “Zur Post”, Zürich", "東京ホテル", "O'Brien & Söhne"):
        assert not has_line_break(name)


def test_stored_text_is_flattened_to_one_line() -> None:
    assert flattened("Hotel\r\nBcc: spy@example.com") == "Hotel Bcc: spy@example.com"
    assert flattened("  Hotel \n\n\t North \u2028 ") == "Hotel North"
    assert flattened("Hotel Amsterdam") == "Hotel Amsterdam"
