from django.db import transaction
from django.utils import timezone
from django_tasks import task

from amends.cases.enums import EventKind
from amends.cases.models import Case
from amends.cases.services import log_case_event

from .enums import OfferStatus
from .models import Offer


@task()
def offers_expire_task() -> int:
    """Offers the customer did not choose from in time expire (so they no longer count against anyone's limits);
    each is claimed with a conditional update, so overlapping sweeps log it once. Returns how many expired."""
    now = timezone.now()
    stale = Offer.objects.filter(status=OfferStatus.OFFERED, expires_at__lte=now).values_list("pk", "case_id")
    expired = 0
    for offer_id, case_id in list(stale[:1000]):
        with transaction.atomic():
            if Offer.objects.filter(pk=offer_id, status=OfferStatus.OFFERED).update(status=OfferStatus.EXPIRED):
                log_case_event(case=Case(pk=case_id), kind=EventKind.OFFER_EXPIRED,
                               data={"offer_id": offer_id})  # fmt: skip
                expired += 1
    return expired
