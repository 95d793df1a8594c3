"""The inbox's rows, formatted in Python: every inbox page shows a page of them, and the template language costs
several times more per value (dates, labels, links, numbers); measured by bench/inbox.py."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.utils.translation import get_language

from amends.cases.enums import CaseStatus, Severity
from amends.cases.models import Case

SUMMARY_LENGTH = 80


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: str  # as text: the template would localise a number every time it shows one
    url: str
    severity: str
    severity_label: str
    status_label: str
    due: str  # ISO 8601 in the current time zone, for the live countdown; "" without a due time
    due_text: str  # the same time in the language's short format
    clock_stopped: bool  # no due time because the case waits on the customer (otherwise it is resolved)
    summary: str
    customer: str
    segment: str
    location: str
    owner: str  # "" when nobody owns the case


@dataclass(frozen=True)
class _Labels:
    status: dict[str, str]
    severity: dict[str, str]


@cache
def _labels(language: str | None) -> _Labels:
    """The labels in the active language, which is `language`: translated once per language and process."""
    return _Labels(
        status={value: str(label) for value, label in CaseStatus.choices},
        severity={value: str(label) for value, label in Severity.choices},
    )


def inbox_rows(cases: Iterable[Case]) -> list[InboxRow]:
    labels = _labels(get_language())
    due_format = get_format("SHORT_DATETIME_FORMAT")
    return [_row(case, labels, due_format) for case in cases]


def _row(case: Case, labels: _Labels, due_format: str) -> InboxRow:
    due = localtime(case.due_at) if case.due_at else None
    owner = case.owner
    return InboxRow(
        id=str(case.pk),
        url=reverse("web:case", args=[case.pk]),
        severity=case.severity,
        severity_label=labels.severity.get(case.severity, case.severity),
        status_label=labels.status.get(case.status, case.status),
        due=due.isoformat() if due else "",
        due_text=format_date(due, due_format) if due else "",
        clock_stopped=case.status == CaseStatus.WAITING_ON_CUSTOMER,
        summary=_shortened(case.summary),
        customer=str(case.customer),
        segment=case.customer.segment,
        location=case.location.name,
        owner=(owner.get_full_name() or owner.username) if owner else "",
    )


def _shortened(text: str) -> str:
    """The text cut to SUMMARY_LENGTH characters with an ellipsis, as the truncatechars filter does; most summaries
    are short enough, and then the Truncator (with its translated ellipsis) is not needed."""
    text = unicodedata.normalize("NFC", text)  # as the Truncator counts
    return text if len(text) <= SUMMARY_LENGTH else Truncator(text).chars(SUMMARY_LENGTH)
