"""Privacy (GDPR): an admin exports everything stored about a customer and erases their personal data everywhere;
the numbers stay; the erasure is on the audit trail; customers inactive for AMENDS_RETENTION_MONTHS are erased."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import models
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone

from amends.analytics.services import facts_refresh
from amends.cases.enums import EventKind
from amends.cases.models import Case
from amends.cases.services import (
    case_add_note,
    case_assign,
    case_message_send,
    case_resolve,
    case_take_ownership,
)
from amends.compensation.models import LedgerEntry, Offer
from amends.compensation.services import AlternativeData, ledger_correct, offer_choose, offer_decide, offer_make
from amends.core.models import IdempotencyRecord
from amends.customers.models import Customer
from amends.followups.models import FollowUp
from amends.followups.rules import Answer
from amends.followups.services import case_task_add, follow_up_answer, follow_up_token
from amends.incidents.models import IncidentNotice
from amends.incidents.services import Cohort, incident_announce, incident_create
from amends.intake.detection import Scores
from amends.intake.models import Feedback, FeedbackAttachment
from amends.intake.services import AttachmentInput, WebComplaint, webform_complaint_submit
from amends.notifications.models import Notification
from amends.privacy.anonymise import ERASED, Identity, months_before, scrub_json
from amends.privacy.erasure import EVENT_FREE_TEXT
from amends.privacy.models import ErasureRecord
from amends.privacy.tasks import retention_due
from amends.surveys.models import Survey
from amends.surveys.services import invitation_create, survey_answer, survey_token
from amends.textsense.models import LabelCorrection, TextSense
from amends.textsense.services import label_correct

from .conftest import ApiClient, World

pytestmark = pytest.mark.django_db

NAME, EMAIL, PHONE = "Anna de Vries", "anna.devries@example.com", "+31 6 1234 5678"
EXTERNAL_ID = f"email:{EMAIL}"  # the web form's id for her: her address
WORD = "Zwartkoffer"  # a word only her complaint has
PERSONAL = [NAME, EMAIL, PHONE, "0612345678", WORD, EXTERNAL_ID]
PHOTO = b"\x89PNG\r\n\x1a\n" + b"anna's broken suitcase" * 20


@dataclass
class Anna:
    customer: Customer
    case: Case
    photo_path: Path


def customer_body(**overrides: str) -> dict:
    return {"external_id": EXTERNAL_ID, "name": NAME, "email": EMAIL, "phone": PHONE, "language": "nl"} | overrides


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def bram(api: ApiClient) -> Customer:
    """Another customer of the same hotel, who asked for nothing."""
    api.post("/interactions", {"external_id": "stay-bram", "location": "ams", "kind": "stay",
                               "occurred_at": "2026-11-02T10:00:00Z", "attributes": {"region": "North"},
                               "customer": {"external_id": "cust-bram", "name": "Bram Jansen",
                                            "email": "bram@example.net", "phone": "+49 30 987654"}})  # fmt: skip
    api.post("/feedback", {"customer": {"external_id": "cust-bram"}, "location": "ams", "channel": "survey",
                           "kind": "survey", "scores": {"nps": 2},
                           "text": "Mijn Blauwfiets was gestolen."})  # fmt: skip
    return Customer.objects.get(external_id="cust-bram")


@pytest.fixture
def anna(api: ApiClient, world: World, media: Path, bram: Customer) -> Anna:
    """Anna's whole history: every kind of data Amends stores about a customer."""
    assert api.put("/authority-limits", {"role": "agent", "per_case": "50"}).status_code == 200
    assert api.put("/authority-limits", {"role": "supervisor", "per_case": "2000"}).status_code == 200
    stay = {"external_id": "stay-anna", "customer": customer_body(), "location": "ams", "kind": "stay",
            "occurred_at": "2026-11-01T12:00:00Z",
            "attributes": {"region": "North", "status": "delayed", "delivery_delay_hours": 30,
                           "delivery_address": "Keizersgracht 1, Amsterdam"}}  # fmt: skip
    assert api.post("/interactions", stay, **{"Idempotency-Key": "stay-anna"}).status_code == 201
    feedback, case = webform_complaint_submit(
        WebComplaint(location_code="ams", text=f"Mijn {WORD} was kapot en niemand belde terug.", name=NAME,
                     email=EMAIL, phone=PHONE, language="nl", token="form-1", csat=1,
                     photo=AttachmentInput(name="photo.png", content=ContentFile(PHOTO), content_type="image/png",
                                           size=len(PHOTO)))
    )  # fmt: skip
    assert case is not None
    TextSense.objects.create(feedback=feedback, language="nl", negative=0.97, alert=True, category="cleanliness",
                             model_version="test", analysed_at=feedback.received_at)  # fmt: skip
    label_correct(feedback=feedback, field="category", value="staff_behaviour", by=world.alice)
    case_take_ownership(case=case, by=world.alice)
    case_add_note(case=case, body=f"{NAME} wants a call on {PHONE} about the {WORD}.", by=world.alice)
    case_message_send(case=case, by=world.alice, template="apologise")
    offer = offer_make(case=case, alternatives=[AlternativeData("voucher", Decimal("80"), "EUR", f"For {NAME}")],
                       reason=f"{NAME} lost a day over the {WORD}.", by=world.alice)  # fmt: skip
    assert offer.status == "pending_approval"  # above Alice's 50: Bob decides
    offer = offer_decide(offer=offer, decision="approve", amount=None, comment=f"Fine for {NAME}.", by=world.bob)
    entry = offer_choose(offer=offer, position=1)
    ledger_correct(entry=entry, amount=Decimal("-5.00"), note=f"{NAME} asked for less", by=world.bob)
    case_task_add(case=case, due_at=timezone.now() + timedelta(days=3), note=f"Call {NAME} back", by=world.alice)
    case_assign(case=case, owner=world.alice, team=None, reason=f"{NAME} asked for Alice", by=world.bob)
    case_resolve(case=case, category="cleanliness", resolution=f"A new {WORD} for {NAME}.", by=world.alice,
                 override_reason="Done by phone")  # fmt: skip
    follow_up = FollowUp.objects.get(case=case)
    FollowUp.objects.filter(pk=follow_up.pk).update(status="sent", sent_at=timezone.now())
    follow_up_answer(raw_token=follow_up_token(follow_up), answer=Answer(handling=1, nps=2),
                     comment=f"The {WORD} broke again.")  # reopens the case, alerts its owner  # fmt: skip
    case_resolve(case=case, category="cleanliness", resolution=f"Another {WORD} for {NAME}.", by=world.alice)
    survey = Survey.objects.create(slug="stay", name="After your stay", location=world.ams, during_open_case=True)
    invitation = invitation_create(survey=survey, customer=Customer.objects.get(external_id=EXTERNAL_ID))
    survey_answer(raw_token=survey_token(invitation), scores=Scores(nps=9), text=f"Lovely staff, bad {WORD}.")
    north = Cohort(location="ams", attributes={"region": "North"})
    incident = incident_create(title="Storm in the North", cohort=north,
                               messages={"nl": "Beste {customer_name}, er is storm."}, by=world.bob)  # fmt: skip
    incident_announce(incident=incident, by=world.bob)
    anna = Customer.objects.get(external_id=EXTERNAL_ID)
    IncidentNotice.objects.filter(customer=anna).update(status="failed", error=f"550 <{EMAIL}>: mailbox unknown")
    LogEntry.objects.create(user=world.admin, content_type=ContentType.objects.get_for_model(Customer),
                            object_id=str(anna.pk), object_repr=str(anna), action_flag=CHANGE,
                            change_message='[{"changed": {"fields": ["Phone"]}}]')  # fmt: skip
    attachment = FeedbackAttachment.objects.get(feedback=feedback)
    return Anna(customer=anna, case=Case.objects.get(pk=case.pk), photo_path=Path(attachment.file.path))


def erase(client: ApiClient, external_id: str = EXTERNAL_ID, reason: str = "The customer asked (ticket 7).") -> Any:
    return client.post(f"/customers/{external_id}/erase", {"reason": reason})


def text_columns() -> list[tuple[type[models.Model], str]]:
    """Every text and JSON column of every installed model: a new model is searched without anyone listing it."""
    kinds = {"CharField", "TextField", "EmailField", "SlugField", "JSONField", "FileField", "URLField"}
    return [
        (model, field.attname)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.get_internal_type() in kinds
    ]


def personal_values_left() -> list[str]:
    found = []
    for model, column in text_columns():
        for pk, value in model._default_manager.values_list("pk", column).iterator():
            text = (json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value).lower()
            found += [f"{model._meta.label}.{column}#{pk}: {word}" for word in PERSONAL if word.lower() in text]
    return found


# --- Export ----------------------------------------------------------------------------------------------------------


def test_the_export_holds_every_kind_of_data_of_the_customer_and_nothing_of_another(api: ApiClient, anna: Anna) -> None:
    response = api.get(f"/customers/{EXTERNAL_ID}/export")
    assert response.status_code == 200, response.json()
    export = response.json()
    assert (export["format"], export["version"]) == ("amends-customer-export", 1)
    profile = {"name": NAME, "email": EMAIL, "phone": PHONE, "external_id": EXTERNAL_ID}
    assert export["customer"].items() >= profile.items()
    filled = {name for name, rows in export.items() if isinstance(rows, list) and rows}
    assert filled >= {
        "interactions", "feedback", "attachments", "text_readings", "label_corrections", "cases", "case_events",
        "messages", "offers", "offer_alternatives", "offer_decisions", "ledger", "follow_ups", "tasks",
        "survey_invitations", "incident_memberships", "incident_notices", "notifications",
    }  # fmt: skip
    texts = [row["text"] for row in export["feedback"]]
    assert any(WORD in text for text in texts)
    assert export["interactions"][0]["attributes"]["delivery_address"] == "Keizersgracht 1, Amsterdam"
    assert any(NAME in row["data"].get("body", "") for row in export["case_events"] if row["kind"] == "note_added")
    assert any(row["body"].startswith("Beste Anna de Vries") for row in export["messages"])
    assert {row["type"] for row in export["ledger"]} == {"voucher"} and len(export["ledger"]) == 2
    assert export["follow_ups"][0]["comment"] == f"The {WORD} broke again."
    assert export["case_events"][0]["actor"] in (None, "alice", "bob")  # colleagues by username
    photo = export["attachments"][0]
    assert (photo["size"], photo["content_type"]) == (len(PHOTO), "image/png")
    assert photo["sha256"] == __import__("hashlib").sha256(PHOTO).hexdigest()
    assert photo["download"] == f"/cases/attachments/{photo['id']}/"
    assert export["exported_at"].endswith("Z") and "T" in export["cases"][0]["created_at"]
    everything = json.dumps(export, ensure_ascii=False)
    assert "Bram" not in everything and "Blauwfiets" not in everything and "bram@example.net" not in everything


def test_the_export_is_utf8_json_on_the_page_and_the_command(anna: Anna, world: World, tmp_path: Path) -> None:
    client = Client()
    client.force_login(world.admin)
    response = client.get(f"/customers/{EXTERNAL_ID}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert json.loads(response.content.decode("utf-8"))["customer"]["name"] == NAME
    output = tmp_path / "anna.json"
    call_command("customer_export", EXTERNAL_ID, "--output", str(output), stderr=StringIO())
    from_command = json.loads(output.read_text(encoding="utf-8"))
    assert from_command["customer"]["phone"] == PHONE and len(from_command["feedback"]) == 2


# --- Who may --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), [("charlie", 404), ("alice", 403), ("bob", 403)])
def test_only_admins_export_or_erase_a_customer(anna: Anna, world: World, persona: str, status: int) -> None:
    user = getattr(world, persona)
    client = ApiClient(user)
    assert client.get(f"/customers/{EXTERNAL_ID}/export").status_code == status
    refused = erase(client)
    assert refused.status_code == status
    assert refused.json()["code"] == {403: "forbidden", 404: "not_found"}[status]
    page = Client()
    page.force_login(user)
    assert page.get(f"/customers/{EXTERNAL_ID}/export/").status_code == status
    assert page.post(f"/customers/{EXTERNAL_ID}/erase/", {"reason": "x", "confirm": "on"}).status_code == status
    assert Customer.objects.get(pk=anna.customer.pk).name == NAME
    assert not ErasureRecord.objects.exists()


def test_an_unknown_customer_is_a_404_for_the_admin(api: ApiClient, world: World) -> None:
    assert api.get("/customers/nobody/export").json()["code"] == "not_found"
    assert erase(api, "nobody").status_code == 404


def test_an_erasure_needs_a_reason(api: ApiClient, anna: Anna) -> None:
    for body, code in (({}, "missing_field"), ({"reason": "  "}, "missing_field"), ({"reason": "x" * 501}, "too_long")):
        response = api.post(f"/customers/{EXTERNAL_ID}/erase", body)
        assert response.status_code == 422 and response.json()["code"] == code, response.json()
        assert response.json()["field"] == "reason"
    assert Customer.objects.get(pk=anna.customer.pk).name == NAME


# --- Erase -----------------------------------------------------------------------------------------------------------


def test_after_the_erasure_no_personal_value_is_left_in_any_column(
    api: ApiClient, anna: Anna, django_capture_on_commit_callbacks: Any
) -> None:
    assert len(personal_values_left()) > 20  # the search finds them where they are
    with django_capture_on_commit_callbacks(execute=True):
        response = erase(api)
    assert response.status_code == 200, response.json()
    assert personal_values_left() == []
    anna_now = Customer.objects.get(pk=anna.customer.pk)
    assert (anna_now.external_id, anna_now.name, anna_now.email, anna_now.phone) == (
        f"erased-{anna_now.pk}",
        "",
        "",
        "",
    )
    assert Customer.objects.get(external_id="cust-bram").email == "bram@example.net"  # nobody else is touched
    assert Feedback.objects.filter(text__contains="Blauwfiets").count() == 1


def test_free_texts_are_erased_and_the_facts_beside_them_kept(api: ApiClient, anna: Anna) -> None:
    erase(api)
    feedback = Feedback.objects.filter(customer=anna.customer).order_by("pk")
    assert [row.text for row in feedback] == [ERASED, ERASED]
    assert [(row.csat, row.nps, row.is_negative) for row in feedback] == [(1, None, True), (None, 9, False)]
    stay = anna.customer.interactions.get()
    assert stay.attributes == {"region": "North", "status": "delayed", "delivery_delay_hours": 30,
                               "delivery_address": ERASED}  # fmt: skip
    assert stay.external_id == f"erased-{anna.customer.pk}-{stay.pk}"
    assert TextSense.objects.get(feedback__customer=anna.customer).alert is True  # a reading: no text in it
    assert not LabelCorrection.objects.filter(feedback__customer=anna.customer).exists()
    case = Case.objects.get(pk=anna.case.pk)
    assert (case.summary, case.resolution, case.category) == (ERASED, ERASED, "cleanliness")
    assert [event.data for event in case.events.filter(kind=EventKind.NOTE_ADDED)][:1] == [{"body": ERASED}]
    assert {event.data["to"] for event in case.events.filter(kind=EventKind.STATUS_CHANGED)} >= {"resolved"}
    assert {(m.subject, m.body, m.to_email) for m in case.messages.all()} == {(ERASED, ERASED, "")}
    assert Offer.objects.get(case=case).reason == ERASED
    assert IdempotencyRecord.objects.filter(key="stay-anna").count() == 0


def test_the_attachment_files_are_deleted_from_storage(
    api: ApiClient, anna: Anna, django_capture_on_commit_callbacks: Any
) -> None:
    assert anna.photo_path.read_bytes() == PHOTO
    with django_capture_on_commit_callbacks(execute=True):
        erase(api)
    assert not anna.photo_path.exists()
    assert not FeedbackAttachment.objects.exists()
    assert ErasureRecord.objects.get().counts["attachments"] == 1


def test_the_ledger_and_the_analytics_facts_are_unchanged(api: ApiClient, anna: Anna) -> None:
    def facts() -> dict[str, list]:
        facts_refresh()
        tables = [model for model in apps.get_app_config("analytics").get_models() if model.__name__.endswith("Day")]
        return {
            model.__name__: sorted(map(repr, model.objects.values(*[f.attname for f in model._meta.concrete_fields
                                                                     if f.attname != "id"])))
            for model in tables
        }  # fmt: skip

    def ledger() -> list:
        columns = ("pk", "customer_id", "case_id", "type", "amount", "currency", "created_at", "corrects_id")
        return list(LedgerEntry.objects.order_by("pk").values_list(*columns))

    before, sums_before = facts(), LedgerEntry.objects.aggregate(total=Sum("amount"), n=Count("pk"))
    ledger_before = ledger()
    assert sum(len(rows) for rows in before.values()) > 5
    assert erase(api).status_code == 200
    assert facts() == before
    assert LedgerEntry.objects.aggregate(total=Sum("amount"), n=Count("pk")) == sums_before == {
        "total": Decimal("75.00"), "n": 2,
    }  # fmt: skip
    assert ledger() == ledger_before


def test_the_erasure_is_on_the_audit_trail_and_each_of_her_cases(api: ApiClient, anna: Anna, world: World) -> None:
    body = erase(api).json()
    record = ErasureRecord.objects.get()
    assert body["customer"] == f"erased-{anna.customer.pk}" and body["erased_by"] == "admin" and body["via"] == "api"
    assert (record.customer_id, record.erased_by, record.reason) == (anna.customer.pk, world.admin,
                                                                    "The customer asked (ticket 7).")  # fmt: skip
    assert record.counts["feedback"] == 2 and record.counts["customer"] == 1
    assert NAME not in json.dumps(record.counts) and EMAIL not in record.pseudonym
    for case in Case.objects.filter(customer=anna.customer):
        event = case.events.get(kind=EventKind.PERSONAL_DATA_ERASED)
        assert (event.actor, event.data) == (world.admin, {"erasure_id": record.pk})
    back_office = Client()
    back_office.force_login(world.admin)
    listing = back_office.get("/admin/privacy/erasurerecord/")
    assert listing.status_code == 200 and record.pseudonym in listing.content.decode()
    assert back_office.get(f"/admin/privacy/erasurerecord/{record.pk}/change/").status_code == 200
    assert back_office.post(f"/admin/privacy/erasurerecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert back_office.get("/admin/privacy/erasurerecord/add/").status_code == 403
    supervisor = Client()
    supervisor.force_login(world.bob)
    assert supervisor.get("/admin/privacy/erasurerecord/").status_code == 403


def test_erasing_twice_is_harmless(api: ApiClient, anna: Anna) -> None:
    first = erase(api).json()
    again = erase(api, first["customer"], reason="Asked again")
    assert again.status_code == 200
    assert again.json()["customer"] == first["customer"]
    assert ErasureRecord.objects.count() == 2
    assert personal_values_left() == []
    assert Feedback.objects.filter(customer=anna.customer, text=ERASED).count() == 2


def test_the_admin_erases_from_the_customer_page_after_confirming(anna: Anna, world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    page = client.get(f"/customers/{EXTERNAL_ID}/").content.decode()
    assert f"/customers/{EXTERNAL_ID}/export/" in page and f"/customers/{EXTERNAL_ID}/erase/" in page
    unconfirmed = client.post(f"/customers/{EXTERNAL_ID}/erase/", {"reason": "Asked by phone"})
    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm the erasure." in unconfirmed.content.decode()
    assert Customer.objects.get(pk=anna.customer.pk).name == NAME
    done = client.post(f"/customers/{EXTERNAL_ID}/erase/", {"reason": "Asked by phone", "confirm": "on"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/customers/erased-{anna.customer.pk}/"
    shown = done.content.decode()
    assert "personal data was erased" in shown and "Asked by phone" in shown and NAME not in shown
    assert ErasureRecord.objects.get().via == "page"
    timeline = client.get(f"/cases/{anna.case.pk}/").content.decode()
    assert "Personal data erased" in timeline and WORD not in timeline and NAME not in timeline
    agent = Client()
    agent.force_login(world.alice)
    assert "/erase/" not in agent.get(f"/customers/erased-{anna.customer.pk}/").content.decode()


def test_the_command_erases_with_a_reason(anna: Anna, world: World) -> None:
    out = StringIO()
    call_command("customer_erase", EXTERNAL_ID, "--reason", "Letter of 2 May", "--by", "admin", stdout=out)
    assert f"erased-{anna.customer.pk}" in out.getvalue()
    record = ErasureRecord.objects.get()
    assert (record.via, record.erased_by, record.reason) == ("command", world.admin, "Letter of 2 May")
    assert Customer.objects.get(pk=anna.customer.pk).email == ""


def test_every_case_event_kind_says_which_of_its_data_is_free_text() -> None:
    assert set(EVENT_FREE_TEXT) == set(EventKind)


# --- Retention -------------------------------------------------------------------------------------------------------


def feedback_from(api: ApiClient, external_id: str, text: str, **scores: int) -> dict:
    body = {"customer": {"external_id": external_id, "name": external_id.title(), "email": f"{external_id}@x.org"},
            "location": "ams", "channel": "survey", "kind": "survey", "scores": scores, "text": text}  # fmt: skip
    response = api.post("/feedback", body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_retention_erases_the_inactive_and_spares_the_active_and_the_open_case(
    api: ApiClient, world: World, settings: Any
) -> None:
    start = datetime(2025, 1, 10, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        feedback_from(api, "quiet", "Fine stay.", nps=9)  # happy, then never seen again
        waiting = feedback_from(api, "waiting", "The room was cold.", nps=1)  # a case nobody closed
        feedback_from(api, "regular", "Nice.", nps=10)
    with time_machine.travel(start + timedelta(days=300), tick=False):
        feedback_from(api, "regular", "Nice again.", nps=10)
    settings.AMENDS_RETENTION_MONTHS = 12
    with time_machine.travel(start + timedelta(days=200), tick=False):
        assert call_retention() == 0  # nobody is twelve months quiet yet
    with time_machine.travel(start + timedelta(days=370), tick=False):
        assert call_retention() == 1
        assert call_retention() == 0  # idempotent: the erased stay erased, once
    erased = ErasureRecord.objects.get()
    assert (erased.reason, erased.via, erased.erased_by) == ("retention", "retention", None)
    quiet = Customer.objects.get(pk=erased.customer_id)
    assert (quiet.external_id, quiet.name) == (f"erased-{quiet.pk}", "")
    assert Customer.objects.get(external_id="regular").name == "Regular"
    assert Case.objects.get(pk=waiting["case"]["id"]).customer.name == "Waiting"  # open: never erased


def test_retention_is_off_unless_set(api: ApiClient, world: World, settings: Any) -> None:
    with time_machine.travel(datetime(2020, 1, 1, tzinfo=UTC), tick=False):
        feedback_from(api, "ancient", "Fine.", nps=9)
    assert settings.AMENDS_RETENTION_MONTHS == 0
    assert call_retention() == 0 and not retention_due()
    settings.AMENDS_RETENTION_MONTHS = 1
    from django.core.cache import cache

    from amends.privacy.tasks import RETENTION_CLAIM

    cache.delete(RETENTION_CLAIM)
    assert retention_due() and not retention_due()  # queued once an hour, by one sweeper
    cache.delete(RETENTION_CLAIM)


def call_retention() -> int:
    from amends.privacy.tasks import retention_erase_task

    return int(retention_erase_task.call())


# --- The pure rules --------------------------------------------------------------------------------------------------


def test_scrubbing_keeps_numbers_statuses_and_tags_and_takes_contact_details_and_prose() -> None:
    identity = Identity.of(name=NAME, email=EMAIL, phone=PHONE, external_id=EXTERNAL_ID)
    attributes = {"status": "delayed", "delay_hours": 30, "late": True, "tags": ["vip"], "guestName": "A. de Vries",
                  "contact": {"name": NAME}, "seat": "12C", "remark": "", "ref": f"booked by {EMAIL}",
                  "instructions_for_driver": "Ring twice and leave it at the back door please",
                  "room": "Anna de Vries suite", "call": "+31 (6) 1234-5678"}  # fmt: skip
    assert scrub_json(attributes, identity) == {
        "status": "delayed", "delay_hours": 30, "late": True, "tags": ["vip"], "guestName": ERASED,
        "contact": ERASED, "seat": "12C", "remark": "", "ref": f"booked by {ERASED}",
        "instructions_for_driver": ERASED, "room": f"{ERASED} suite", "call": ERASED,
    }  # fmt: skip
    assert not Identity.of(name="anna", email="", phone="", external_id="x").named_in("Hannah")


def test_months_before_counts_calendar_months() -> None:
    assert months_before(datetime(2026, 3, 31, 8, tzinfo=UTC), 1) == datetime(2026, 2, 28, 8, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)
    assert months_before(datetime(2024, 3, 29, tzinfo=UTC), 1) == datetime(2024, 2, 29, tzinfo=UTC)


def test_the_notifications_about_her_case_no_longer_quote_her(api: ApiClient, anna: Anna) -> None:
    quoted = Notification.objects.filter(case__customer=anna.customer, body__contains=WORD)
    assert quoted.exists()
    erase(api)
    assert not Notification.objects.filter(body__contains=WORD).exists()
    assert Notification.objects.filter(case__customer=anna.customer).exclude(body__in=("", ERASED)).count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_erase_an_inactive_customer_once(api: ApiClient, world: World, settings: Any) -> None:
    from threading import Barrier, Thread

    from django.db import connection, connections

    from amends.privacy.services import retention_erase

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions: the PostgreSQL run shows it")
    start = datetime(2025, 1, 10, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        feedback_from(api, "quiet", "Fine stay.", nps=9)
    settings.AMENDS_RETENTION_MONTHS = 12
    barrier, erased = Barrier(2), []

    def sweep() -> None:
        try:
            barrier.wait()
            erased.append(retention_erase(now=start + timedelta(days=400)))
        finally:
            connections.close_all()

    threads = [Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(erased) == [0, 1]
    assert ErasureRecord.objects.count() == 1
