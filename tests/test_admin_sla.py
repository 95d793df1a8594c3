"""Calendars, SLA policies, playbooks and templates in the back office, checked like the API checks them."""

import pytest
from django.test import Client

from amends.core.models import BusinessCalendar

from .conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def test_the_back_office_lists_the_respond_settings(admin_client: Client) -> None:
    for path in ("core/businesscalendar", "cases/slapolicy", "cases/playbook", "cases/messagetemplate"):
        assert admin_client.get(f"/admin/{path}/").status_code == 200, path
        assert admin_client.get(f"/admin/{path}/add/").status_code == 200, path


def test_a_calendar_with_unreadable_hours_is_refused_next_to_the_field(admin_client: Client) -> None:
    form = {
        "name": "Office",
        "timezone": "Europe/Amsterdam",
        "country": "NL",
        "subdivision": "",
        "hours": '{"mon": [["9", "17:00"]]}',
        "closed_days": "[]",
        "special_hours": "{}",
    }
    refused = admin_client.post("/admin/core/businesscalendar/add/", form)
    assert refused.status_code == 200
    assert "is not a time of day" in refused.content.decode()
    form["hours"] = '{"mon": [["09:00", "17:00"]]}'
    assert admin_client.post("/admin/core/businesscalendar/add/", form).status_code == 302
    assert BusinessCalendar.objects.get().hours == {"mon": [["09:00", "17:00"]]}
