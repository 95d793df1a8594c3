from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from amends.core.cache import TtlCache
from amends.core.errors import DomainError, ErrorCode
from amends.core.models import Location, User
from amends.core.selectors import intake_location_check

from .models import Customer, Interaction


@dataclass(frozen=True)
class CustomerData:
    external_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    segment: str | None = None


CONTACT_FIELDS = ("name", "email", "phone", "language", "segment")
# Where a caller's contact values that were not written on a known customer are kept, on the feedback or interaction.
CONTACT_GIVEN = "contact_given"


def may_change_contact(user: User) -> bool:
    """Who may change a known customer's contact details over the API: admins and integration accounts."""
    return user.intake_everywhere


@dataclass(frozen=True)
class ContactSplit:
    write: dict[str, str]  # the values to store on the customer
    kept_aside: dict[str, str]  # values given that differ from a known customer's, not stored on the customer


def contact_split(
    stored: Mapping[str, str] | None, given: Mapping[str, str | None], *, may_change: bool
) -> ContactSplit:
    """The one rule for a customer's contact details (name, email, phone, language, segment) at intake.

    A new customer (`stored` None) is created with the values given. A known customer's details are changed only by
    those who may change them (`may_change_contact`; the system's own imports and signed webhooks). From anyone else
    (agents, supervisors, the public web form, email), a value fills in a detail the customer lacks, and a value that
    differs from a stored one is kept aside: whoever typed it, the offer links keep going to the customer.
    """
    values = {field: value for field, value in given.items() if value is not None}
    if stored is None:
        return ContactSplit(write=values, kept_aside={})
    changed = {field: value for field, value in values.items() if stored.get(field) != value}
    if may_change:
        return ContactSplit(write=changed, kept_aside={})
    write = {field: value for field, value in changed.items() if not stored.get(field)}
    kept = {field: value for field, value in changed.items() if stored.get(field) and value}
    return ContactSplit(write=write, kept_aside=kept)


def customer_upsert(data: CustomerData, *, may_change: bool, lock: bool = False) -> tuple[Customer, dict[str, str]]:
    """Create the customer when new; for a known one (by external id), apply `contact_split`.

    Answers the customer and the values kept aside (store them under CONTACT_GIVEN with what the caller posted).
    With `lock`, the row stays locked until the transaction ends (inside a transaction only).
    """
    given = {field: getattr(data, field) for field in CONTACT_FIELDS}
    customers = Customer.objects.select_for_update() if lock else Customer.objects
    customer = customers.filter(external_id=data.external_id).first()
    if customer is None:
        customer, created = customers.get_or_create(
            external_id=data.external_id, defaults=contact_split(None, given, may_change=may_change).write
        )
        if created:
            return customer, {}
    split = contact_split({field: getattr(customer, field) for field in CONTACT_FIELDS}, given, may_change=may_change)
    if split.write:
        for field, value in split.write.items():
            setattr(customer, field, value)
        customer.save(update_fields=[*split.write, "updated_at"])
    return customer, split.kept_aside


def with_contact_given(attributes: dict | None, kept_aside: Mapping[str, str]) -> dict:
    """The caller's attributes, with the contact values kept aside (if any) under CONTACT_GIVEN."""
    attributes = dict(attributes or {})
    if kept_aside:
        attributes[CONTACT_GIVEN] = dict(kept_aside)
    return attributes


# Locations change rarely and every intake request looks one up: remembered per process for a short while.
_locations: TtlCache[Location] = TtlCache(ttl=30)


def location_by_code(code: str, *, field: str = "location") -> Location:
    location = _locations.get(code)
    if location is None:
        location = Location.objects.select_related("team").filter(code=code).first()
        if location is not None:
            _locations.put(code, location)
    if location is None:
        raise DomainError(
            ErrorCode.UNKNOWN_LOCATION,
            _("There is no location with the code %(code)s.") % {"code": code},
            field=field,
            status=422,
        )
    return location


def location_for_intake(code: str, *, by: User | None) -> Location:
    """The location intake names; a caller (`by`) must be allowed to post there (`may_post_intake_at`).

    `by` is None for the system's own channels (web form, email, webhook, import): their location is configured.
    """
    location = location_by_code(code)
    if by is not None:
        intake_location_check(by, location)
    return location


@transaction.atomic
def interaction_record(
    *,
    external_id: str,
    customer: CustomerData,
    location_code: str,
    kind: str,
    occurred_at: datetime,
    attributes: dict,
    by: User | None,
) -> Interaction:
    """Record a service event. `by` is the API caller (None: the system, which may change contact details)."""
    location = location_for_intake(location_code, by=by)
    try:
        # The unique external id decides, even between two requests at once.
        with transaction.atomic():
            stored, kept_aside = customer_upsert(customer, may_change=by is None or may_change_contact(by))
            interaction = Interaction.objects.create(
                external_id=external_id,
                customer=stored,
                location=location,
                kind=kind,
                occurred_at=occurred_at,
                attributes=with_contact_given(attributes, kept_aside),
            )
    except IntegrityError as exc:
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("An interaction with the external id %(id)s already exists.") % {"id": external_id},
            field="external_id",
            status=409,
        ) from exc
    from amends.surveys.services import invitations_after_interaction  # surveys build on customers

    invitations_after_interaction(interaction)
    return interaction
