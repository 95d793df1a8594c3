"""Reads for privacy: who may export or erase a customer, and everything stored about one customer."""

import hashlib
import json
from typing import Any

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.cases.models import Case, CaseEvent, CaseMessage
from amends.compensation.models import Alternative, LedgerEntry, Offer, OfferDecision
from amends.core.errors import Forbidden
from amends.core.models import User
from amends.customers.models import Customer, Interaction
from amends.customers.selectors import customer_for_user
from amends.followups.models import CaseTask, FollowUp
from amends.incidents.models import IncidentCase, IncidentMember, IncidentNotice
from amends.intake.at_risk_selectors import at_risk_for_user
from amends.intake.models import Feedback, FeedbackAttachment
from amends.notifications.models import Notification
from amends.surveys.models import Invitation, ServqualAnswer
from amends.textsense.models import LabelCorrection, TextSense

from .models import ErasureRecord

EXPORT_FORMAT = "amends-customer-export"
EXPORT_VERSION = 1
HASH_CHUNK = 1 << 20


def may_manage_privacy(user: User) -> bool:
    """Exporting and erasing a customer is for admins (who see every team) only."""
    return user.sees_all_teams


def customer_for_privacy(*, user: User, external_id: str) -> Customer:
    """The customer to export or erase. Whoever may not see the customer gets the same 404 as for an unknown one;
    staff who see them but are no admin get a 403."""
    customer = customer_for_user(user=user, external_id=external_id)
    if not may_manage_privacy(user):
        raise Forbidden(_("Only admins export or erase a customer's personal data."))
    return customer


def erasures_of(customer: Customer) -> models.QuerySet[ErasureRecord]:
    return ErasureRecord.objects.filter(customer=customer).select_related("erased_by").order_by("-erased_at", "-id")


def _sections(customer: Customer) -> dict[str, models.QuerySet]:
    """Every kind of row stored about the customer, by section name; staff rows only where they are about them."""
    on_their_cases = Q(case__customer=customer)
    theirs_or_on_their_cases = Q(customer=customer) | on_their_cases
    offers = Offer.objects.filter(on_their_cases)
    return {
        "interactions": Interaction.objects.filter(customer=customer),
        "feedback": Feedback.objects.filter(customer=customer),
        "attachments": FeedbackAttachment.objects.filter(feedback__customer=customer),
        "text_readings": TextSense.objects.filter(feedback__customer=customer),
        "label_corrections": LabelCorrection.objects.filter(feedback__customer=customer),
        "cases": Case.objects.filter(customer=customer),
        "case_events": CaseEvent.objects.filter(on_their_cases),
        "messages": CaseMessage.objects.filter(on_their_cases),
        "offers": offers,
        "offer_alternatives": Alternative.objects.filter(offer__in=offers),
        "offer_decisions": OfferDecision.objects.filter(offer__in=offers),
        "ledger": LedgerEntry.objects.filter(theirs_or_on_their_cases),
        "follow_ups": FollowUp.objects.filter(theirs_or_on_their_cases),
        "tasks": CaseTask.objects.filter(on_their_cases),
        "survey_invitations": Invitation.objects.filter(customer=customer),
        "servqual_answers": ServqualAnswer.objects.filter(customer=customer),
        "incident_memberships": IncidentMember.objects.filter(customer=customer),
        "incident_notices": IncidentNotice.objects.filter(customer=customer),
        "incident_cases": IncidentCase.objects.filter(on_their_cases),
        "notifications": Notification.objects.filter(on_their_cases),
        "erasures": ErasureRecord.objects.filter(customer=customer),
    }


def customer_export(customer: Customer) -> dict[str, Any]:
    """Everything stored about the customer, as JSON-ready data (UTF-8 text, ISO 8601 times in UTC, amounts as
    strings). Rows keep their database ids and refer to each other by id; colleagues by username.

    Attachments are described, not embedded: name, content type, size, SHA-256 and the staff link to download the
    file, so that an export stays small enough to read and send, and every file can be fetched and checked."""
    sections = {name: _rows(rows.distinct().order_by("pk")) for name, rows in _sections(customer).items()}
    for attachment in sections["attachments"]:
        attachment["sha256"] = _file_sha256(attachment["file"])
        attachment["download"] = reverse("web:attachment", args=[attachment["id"]])
    export = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now(),
        "customer": _rows(Customer.objects.filter(pk=customer.pk))[0],
        **sections,
        "at_risk": [
            {
                "reason": str(entry.reason),
                "location": entry.location.code,
                "since": entry.since,
                "feedback": entry.feedback.pk if entry.feedback else None,
                "interaction": entry.interaction.pk if entry.interaction else None,
            }
            for entry in at_risk_for_user(User(is_superuser=True), customer=customer.external_id)  # every location
        ],
    }
    # One encoder for every path (API, page, command): the same bytes whichever way it was asked for.
    return json.loads(json.dumps(export, cls=DjangoJSONEncoder, ensure_ascii=False))


def customer_export_json(customer: Customer) -> str:
    return json.dumps(customer_export(customer), ensure_ascii=False, indent=2)


def _rows(rows: models.QuerySet) -> list[dict[str, Any]]:
    serialised = serializers.serialize("python", rows, use_natural_foreign_keys=True)
    return [{"id": row["pk"], **{key: _flat(value) for key, value in row["fields"].items()}} for row in serialised]


def _flat(value: Any) -> Any:
    """A colleague's natural key ("alice",) reads as "alice"."""
    return value[0] if isinstance(value, tuple) and len(value) == 1 else value


def _file_sha256(name: str) -> str | None:
    if not name:
        return None
    storage = FeedbackAttachment._meta.get_field("file").storage
    digest = hashlib.sha256()
    try:
        with storage.open(name, "rb") as handle:
            for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()
