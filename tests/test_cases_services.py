"""Writes to a recovery case: ownership, notes, resolution, each on the timeline."""

import pytest

from amends.cases.models import Case
from amends.cases.services import case_add_note, case_resolve, case_take_ownership
from amends.core.errors import DomainError

from .conftest import ApiClient, World, negative_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(api: ApiClient) -> Case:
    return Case.objects.get(pk=api.post("/feedback", negative_survey()).json()["case"]["id"])


def test_taking_ownership_acknowledges_and_counts_as_first_response(case: Case, world: World) -> None:
    case = case_take_ownership(case=case, by=world.alice)
    assert case.owner == world.alice
    assert case.status == "acknowledged"
    assert case.first_response_at is not None
    assert case.due_at == case.resolution_due_at
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["opened", "owner_assigned", "status_changed"]


def test_taking_a_case_you_own_changes_nothing(case: Case, world: World) -> None:
    case_take_ownership(case=case, by=world.alice)
    case_take_ownership(case=case, by=world.alice)
    assert case.events.filter(kind="owner_assigned").count() == 1


def test_taking_over_a_colleagues_case_is_a_counted_transfer(case: Case, world: World) -> None:
    case_take_ownership(case=case, by=world.alice)
    case = case_take_ownership(case=case, by=world.bob)
    transfer = case.events.get(kind="transferred")
    assert transfer.data["from_owner"] == "alice"
    assert transfer.data["to_owner"] == "bob"
    assert transfer.data["reason"]
    assert case.transfers == 1


def test_a_note_goes_on_the_timeline_and_an_empty_one_is_refused(case: Case, world: World) -> None:
    case_add_note(case=case, body="  Called the guest, offered a late checkout.  ", by=world.alice)
    note = case.events.get(kind="note_added")
    assert note.data == {"body": "Called the guest, offered a late checkout."}
    assert note.actor == world.alice
    with pytest.raises(DomainError) as refused:
        case_add_note(case=case, body="   ", by=world.alice)
    assert refused.value.code == "missing_field"


def test_resolving_needs_a_root_cause_and_a_resolution(case: Case, world: World) -> None:
    with pytest.raises(DomainError) as no_category:
        case_resolve(case=case, category="", resolution="Refunded", by=world.alice)
    assert no_category.value.field == "category"
    with pytest.raises(DomainError) as no_resolution:
        case_resolve(case=case, category="cleanliness", resolution=" ", by=world.alice)
    assert no_resolution.value.field == "resolution"
    assert Case.objects.get(pk=case.pk).status == "new"


def test_resolving_closes_the_clock_and_a_resolved_case_cannot_be_resolved_again(case: Case, world: World) -> None:
    resolved = case_resolve(
        case=case, category="cleanliness", resolution="Room re-cleaned, dinner on us.", by=world.alice
    )
    assert resolved.status == "resolved"
    assert resolved.resolved_at is not None
    assert resolved.due_at is None
    assert resolved.owner == world.alice  # whoever resolves an unowned case owns it
    assert resolved.events.filter(kind="owner_assigned").get().data == {"owner": "alice", "previous_owner": None}
    assert resolved.events.filter(kind="resolved").get().data["category"] == "cleanliness"
    with pytest.raises(DomainError) as again:
        case_resolve(case=resolved, category="cleanliness", resolution="Twice", by=world.alice)
    assert again.value.code == "invalid_transition"
    with pytest.raises(DomainError):
        case_take_ownership(case=resolved, by=world.bob)


def test_a_new_failure_after_resolution_opens_a_new_case(api: ApiClient, case: Case, world: World) -> None:
    case_resolve(case=case, category="cleanliness", resolution="Fixed", by=world.alice)
    second = api.post("/feedback", negative_survey(text="Weer vies!")).json()["case"]["id"]
    assert second != case.pk
    assert Case.objects.count() == 2
