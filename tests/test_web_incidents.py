"""The supervisors' incident pages: declare with errors next to the fields, preview, send with visible progress,
updates to the same customers; agents are kept out."""

import pytest
from django.core.management import call_command
from django.test import Client

from amends.incidents.models import Incident, IncidentNotice

from .conftest import Mailbox, World

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


FORM = {
    "title": "Storm delays deliveries in region North",
    "location": "ams",
    "occurred_from": "2026-11-19T00:00",
    "attributes": "region = North\nstatus = delayed",
    "message_en": "Your delivery is delayed\nDear {customer_name}, a storm delays deliveries.",
    "message_de": "Ihre Lieferung verzögert sich\nHallo {customer_name}, ein Sturm verzögert die Lieferungen.",
}


def test_a_supervisor_declares_previews_and_sends_an_incident(
    world: World, deliveries: None, smtp_server: Mailbox
) -> None:
    bob = logged_in(world.bob)
    page = bob.get("/incidents/")
    assert page.status_code == 200 and "No incidents yet" in page.content.decode()

    saved = bob.post("/incidents/declare/", FORM)
    incident = Incident.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/incidents/{incident.pk}/"
    assert incident.attributes == {"region": "North", "status": "delayed"}
    assert incident.messages.keys() == {"en", "de"}
    preview = bob.get(saved["Location"]).content.decode()
    assert "4 customers would be told." in preview
    assert "1 of them has no email address." in preview
    assert "No message yet in:" in preview and "nl" in preview  # Dutch and French customers would get English
    assert "Send to 4 customers" in preview
    assert "C-NL" in preview  # the sample

    sent = bob.post(f"/incidents/{incident.pk}/send/", follow=True)
    assert "Sending to 4 customers." in sent.content.decode()
    assert 'hx-trigger="every 2s"' in sent.content.decode()  # the progress refreshes itself while sending
    call_command("worker", burst=True)
    progress = bob.get(f"/incidents/{incident.pk}/?part=progress", headers={"HX-Request": "true"})
    text = progress.content.decode()
    assert "<html" not in text and "3 of 4 sent" in text and "1 without an email address" in text
    assert "every 2s" not in text  # done: no more polling
    assert len(smtp_server.messages) == 3

    resolved = bob.post(f"/incidents/{incident.pk}/updates/",
                        {"message_en": "Delivered\nAll parcels are on their way.", "resolved": "on"})  # fmt: skip
    assert resolved.status_code == 302
    call_command("worker", burst=True)
    assert len(smtp_server.messages) == 6
    assert Incident.objects.get().status == "resolved"
    listing = bob.get("/incidents/").content.decode()
    assert "Resolved" in listing and FORM["title"] in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"attributes": "region North"}, "attributes", "Write each filter as name = value, one per line."),
        ({"occurred_to": "2026-11-01T00:00"}, "occurred_to", "The start must be before the end."),
        ({"message_en": "", "message_de": ""}, None, "Write the message in at least one language."),
        ({"location": "", "occurred_from": "", "attributes": ""}, None, "Narrow the cohort"),
    ],
)
def test_mistakes_are_shown_next_to_the_field(world: World, changes: dict, field: str | None, message: str) -> None:
    response = logged_in(world.bob).post("/incidents/declare/", FORM | changes)
    assert response.status_code == 422
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message in error for error in errors), form.errors
    assert not Incident.objects.exists()


def test_an_update_needs_a_message(world: World, deliveries: None, smtp_server: Mailbox) -> None:
    bob = logged_in(world.bob)
    bob.post("/incidents/declare/", FORM)
    incident = Incident.objects.get()
    bob.post(f"/incidents/{incident.pk}/send/")
    response = bob.post(f"/incidents/{incident.pk}/updates/", {"message_en": " "})
    assert response.status_code == 422
    assert "Write the message in at least one language." in response.content.decode()
    assert incident.updates.count() == 1


def test_agents_do_not_manage_incidents(world: World, deliveries: None) -> None:
    logged_in(world.bob).post("/incidents/declare/", FORM)
    incident = Incident.objects.get()
    alice = logged_in(world.alice)
    assert alice.get("/incidents/").status_code == 403
    assert alice.get(f"/incidents/{incident.pk}/").status_code == 403
    assert alice.post(f"/incidents/{incident.pk}/send/").status_code == 403
    assert not IncidentNotice.objects.exists()
    assert "/incidents/" not in alice.get("/").content.decode()  # not in the navigation either
