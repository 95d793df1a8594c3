"""The root-cause taxonomy: admins name and place categories; the resolve form offers what they offer, an
integration's own code is kept for them to map, and the analyses follow the taxonomy."""

import pytest
from django.test import Client

from amends.analytics.services import facts_refresh
from amends.cases.models import Case, Category, Playbook
from amends.cases.taxonomy import root_cause_of

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db

NEW_CATEGORY = {
    "key": "noise", "stage": "stay", "family": "place", "is_active": "on", "position": "5", "name": "Noise",
    "name_nl": "Geluidsoverlast", "name_de": "Lärm", "name_it": "Rumore", "name_fr": "Bruit", "name_es": "Ruido",
}  # fmt: skip


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _case(api: ApiClient, customer: str = "cust-1") -> int:
    return api.post("/feedback", negative_survey(customer)).json()["case"]["id"]


def test_words_place_a_category_nobody_mapped() -> None:
    assert root_cause_of("Problem with a lender or debt collector", {}).family == "process"
    assert root_cause_of("Late fee charged twice", {}) == root_cause_of(
        "billing", {"billing": root_cause_of("fee", {})}
    )
    assert root_cause_of("Something else", {}).stage == "unmapped"


def test_an_admin_adds_a_category_and_agents_resolve_with_it_in_their_language(api: ApiClient, world: World) -> None:
    admin = _client(world.admin)
    assert admin.post("/admin/cases/category/add/", NEW_CATEGORY).status_code == 302
    assert _client(world.bob).get("/admin/cases/category/add/").status_code == 403  # supervisors cannot
    case_id = _case(api)
    world.alice.language = "nl"
    world.alice.save()
    agent = _client(world.alice)
    page = agent.get(f"/cases/{case_id}/").content.decode()
    assert '<option value="noise">Geluidsoverlast</option>' in page
    response = agent.post(f"/cases/{case_id}/resolve/", {"category": "noise", "resolution": "Andere kamer gegeven"})
    assert response.status_code == 302 and Case.objects.get(pk=case_id).category == "noise"
    facts_refresh()
    families = {bone["family"]: bone for bone in api.get("/analytics/fishbone").json()["bones"]}
    assert families["place"]["categories"] == [{"category": "noise", "cases": 1}]
    bars = ApiClient(world.alice).client.get("/api/v1/analytics/pareto", HTTP_ACCEPT_LANGUAGE="de").json()["bars"]
    assert [(bar["category"], bar["label"], bar["stage"]) for bar in bars] == [("noise", "Lärm", "stay")]


def test_a_retired_category_is_no_longer_offered_but_old_cases_keep_it(api: ApiClient, world: World) -> None:
    resolved = _case(api)
    ApiClient(world.alice).post(f"/cases/{resolved}/resolve", {"category": "cleanliness", "resolution": "Cleaned"})
    cleanliness = Category.objects.get(key="cleanliness")
    fields = {name: getattr(cleanliness, name) for name in ("stage", "family", "position", "name", "name_nl")}
    retired = _client(world.admin).post(f"/admin/cases/category/{cleanliness.pk}/change/", fields)  # not offered
    assert retired.status_code == 302
    agent = _client(world.alice)
    fresh = _case(api, "cust-2")
    page = agent.get(f"/cases/{fresh}/").content.decode()
    assert 'value="cleanliness"' not in page.split('name="category"')[1].split("</select>")[0]
    refused = agent.post(f"/cases/{fresh}/resolve/", {"category": "cleanliness", "resolution": "Cleaned"})
    assert refused.status_code == 422 and "Select a valid choice" in refused.content.decode()
    assert Case.objects.get(pk=resolved).category == "cleanliness"
    offered = {item["key"]: item["offered"] for item in api.get("/categories").json()["items"]}
    assert offered["cleanliness"] is False and offered["delivery"] is True


def test_an_integrations_own_code_is_kept_for_an_admin_to_map(api: ApiClient, world: World) -> None:
    case_id = _case(api)
    body = {"category": "late-fee-dispute", "resolution": "Fee refunded"}
    assert ApiClient(world.alice).post(f"/cases/{case_id}/resolve", body).status_code == 200
    added = Category.objects.get(key="late-fee-dispute")
    assert (added.is_active, added.stage, added.family, added.name) == (False, "billing", "policy", "late-fee-dispute")
    listed = {item["key"]: item for item in api.get("/categories").json()["items"]}
    assert listed["late-fee-dispute"]["offered"] is False
    admin = _client(world.admin)
    change = admin.get(f"/admin/cases/category/{added.pk}/change/").content.decode()
    assert 'name="key"' not in change  # the key stays: cases carry it
    assert admin.post(f"/admin/cases/category/{added.pk}/delete/").status_code == 403


def test_a_playbook_chooses_its_category_from_the_taxonomy(world: World) -> None:
    admin = _client(world.admin)
    Category.objects.create(key="noise", name="Noise", stage="stay", family="place", is_active=False)  # retired
    form = admin.get("/admin/cases/playbook/add/").content.decode()
    offered = form.split('name="category"')[1].split("</select>")[0]
    assert '<option value="delivery">Delivery</option>' in offered and 'value="noise"' not in offered
    playbook = {"name": "Late parcels", "severity": "", "guidance": "Refund the shipping.", "step_guidance": "{}",
                "required_steps": '["apologise"]', "is_active": "on"}  # fmt: skip
    typo = admin.post("/admin/cases/playbook/add/", playbook | {"category": "delivry"})
    assert typo.status_code == 200 and "Select a valid choice" in typo.content.decode()
    assert admin.post("/admin/cases/playbook/add/", playbook | {"category": "delivery"}).status_code == 302
    saved = Playbook.objects.get(name="Late parcels")
    assert saved.category == "delivery"
    Playbook.objects.filter(pk=saved.pk).update(category="noise")  # chosen before the category was retired
    change = admin.get(f"/admin/cases/playbook/{saved.pk}/change/").content.decode()
    assert '<option value="noise" selected>Noise</option>' in change
    assert '<td class="field-category_name">Noise</td>' in admin.get("/admin/cases/playbook/").content.decode()
