from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from amends.core.cache import TtlCache
from amends.core.errors import DomainError, ErrorCode
from amends.core.models import Location

from .models import Customer, Interaction


@dataclass(frozen=True)
class CustomerData:
    external_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    segment: str | None = None


def customer_upsert(data: CustomerData, *, lock: bool = False) -> Customer:
    """Create the customer when new; update the fields given when known (by external id).

    With `lock`, the row stays locked until the transaction ends (inside a transaction only).
    """
    given = {
        field: value
        for field in ("name", "email", "phone", "language", "segment")
        if (value := getattr(data, field)) is not None
    }
    customers = Customer.objects.select_for_update() if lock else Customer.objects
    customer, created = customers.get_or_create(external_id=data.external_id, defaults=given)
    if not created:
        changed = [field for field, value in given.items() if getattr(customer, field) != value]
        if changed:
            for field in changed:
                setattr(customer, field, given[field])
            customer.save(update_fields=[*changed, "updated_at"])
    return customer


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


@transaction.atomic
def interaction_record(
    *,
    external_id: str,
    customer: CustomerData,
    location_code: str,
    kind: str,
    occurred_at: datetime,
    attributes: dict,
) -> Interaction:
    location = location_by_code(location_code)
    try:
        # The unique external id decides, even between two requests at once.
        with transaction.atomic():
            interaction = Interaction.objects.create(
                external_id=external_id,
                customer=customer_upsert(customer),
                location=location,
                kind=kind,
                occurred_at=occurred_at,
                attributes=attributes,
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
