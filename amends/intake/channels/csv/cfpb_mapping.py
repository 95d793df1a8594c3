"""The US CFPB consumer complaint database, mapped onto feedback and recovery cases. Pure: no database.

Every header variant found in the wild is read: the official export (`Company response to consumer`), the older
one (`Company response`), the underscore one (`Company_response_to_consumer`, `Timely_response?`) and the API's
snake_case (`company_response`, `timely`, `complaint_what_happened`). Headers are compared after lower-casing and
turning `_`, `-`, `?` and runs of spaces into one space, then looked up in ALIASES.

A row becomes one complaint (source "cfpb", external_ref = the complaint id) of a customer "cfpb-<id>" (the
database names no consumers), at one location per product ("cfpb-credit-reporting"), with its case's history:
the issue is the category, the company's response the outcome (a "Closed ..." response resolves the case when the
complaint was sent to the company), `Timely response?` whether the SLA was met, `Consumer disputed?` whether the
customer disputed the outcome.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.text import slugify

from amends.cases.enums import RecoveryOutcome
from amends.cases.services import SUMMARY_LENGTH
from amends.core.errors import ErrorCode
from amends.customers.services import CustomerData
from amends.intake.enums import Channel, FeedbackKind

from .readers import FileError
from .records import CaseHistory, ImportRecord, NewLocation, RowError, reject

SOURCE = "cfpb"
CUSTOMER_PREFIX = "cfpb-"
LOCATION_PREFIX = "cfpb-"
LOCATION_CODE_LENGTH = 64
MAX_COMPLAINT_ID_LENGTH = 100
MAX_SEGMENT_LENGTH = 40
MAX_CATEGORY_LENGTH = 100
# The CFPB is in Washington, DC: a date without a time is taken as noon there, which is the same day in every US
# time zone (the API itself writes dates as 12:00 -05:00).
CFPB_TIMEZONE = ZoneInfo("America/New_York")
LOCATION_TIMEZONE = "America/New_York"

# field -> the normalised header names that hold it, official spelling first.
ALIASES: dict[str, tuple[str, ...]] = {
    "complaint_id": ("complaint id",),
    "date_received": ("date received",),
    "product": ("product",),
    "sub_product": ("sub product",),
    "issue": ("issue",),
    "sub_issue": ("sub issue",),
    "narrative": ("consumer complaint narrative", "complaint what happened"),
    "company_public_response": ("company public response",),
    "company": ("company",),
    "state": ("state",),
    "zip_code": ("zip code",),
    "tags": ("tags",),
    "consumer_consent": ("consumer consent provided",),
    "submitted_via": ("submitted via",),
    "date_sent_to_company": ("date sent to company",),
    "company_response": ("company response to consumer", "company response"),
    "timely": ("timely response", "timely"),
    "consumer_disputed": ("consumer disputed",),
}
REQUIRED = ("complaint_id", "date_received", "product", "issue", "company_response", "timely")
# How the official export spells each required column, for error messages.
OFFICIAL_NAMES = {
    "complaint_id": "Complaint ID",
    "date_received": "Date received",
    "product": "Product",
    "issue": "Issue",
    "company_response": "Company response to consumer",
    "timely": "Timely response?",
}

# "Submitted via" -> our channel. The CFPB's written routes (referrals from other agencies, postal mail, fax) are
# closest to a message to the support mailbox; anything new falls back to API (it came in through an integration).
CHANNELS = {
    "web": Channel.WEB,
    "web referral": Channel.WEB,
    "phone": Channel.PHONE,
    "email": Channel.EMAIL,
    "referral": Channel.EMAIL,
    "postal mail": Channel.EMAIL,
    "fax": Channel.EMAIL,
}

# "Company response to consumer" -> (outcome, closed?). An untimely response is not a resolution: the company did
# not answer in time, so the case stays open. "Closed with relief" (older exports) does not say which relief; it is
# counted as non-monetary, the weaker claim.
RESPONSES: dict[str, tuple[RecoveryOutcome, bool]] = {
    "closed with monetary relief": (RecoveryOutcome.MONETARY_RELIEF, True),
    "closed with non monetary relief": (RecoveryOutcome.NON_MONETARY_RELIEF, True),
    "closed with relief": (RecoveryOutcome.NON_MONETARY_RELIEF, True),
    "closed with explanation": (RecoveryOutcome.EXPLANATION, True),
    "closed": (RecoveryOutcome.CLOSED, True),
    "closed without relief": (RecoveryOutcome.CLOSED, True),
    "untimely response": (RecoveryOutcome.UNTIMELY, False),
    "in progress": (RecoveryOutcome.IN_PROGRESS, False),
    "": (RecoveryOutcome.IN_PROGRESS, False),  # no answer from the company yet
}
YES_NO = {"yes": True, "no": False, "n/a": None, "": None}

ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DAY_FIRST_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")  # 27-04-2023, as in the underscore export
MONTH_FIRST_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")  # 04/27/2023 or 04/27/23, the US way


def normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-?]+", " ", name.lower()).strip()


@dataclass(frozen=True)
class CfpbLayout:
    """Which of the file's columns holds each field, and which header variant the file uses."""

    columns: dict[str, str]
    variant: str  # official, older, underscore or api


def detect_layout(header: list[str]) -> CfpbLayout:
    by_normalised: dict[str, str] = {}
    for name in header:
        by_normalised.setdefault(normalise_header(name), name)
    columns: dict[str, str] = {}
    for field, aliases in ALIASES.items():
        found = next((by_normalised[alias] for alias in aliases if alias in by_normalised), None)
        if found is not None:
            columns[field] = found
    missing = [OFFICIAL_NAMES[field] for field in REQUIRED if field not in columns]
    if missing:
        raise FileError(
            "This is not a CFPB complaint export that Amends knows: missing columns "
            + ", ".join(missing)
            + " (any of the spellings of the official export, the older export, the underscore export or the API)."
        )
    return CfpbLayout(columns=columns, variant=_variant(columns))


def _variant(columns: dict[str, str]) -> str:
    response = columns["company_response"]
    if response == response.lower() and " " not in response:
        return "api"
    if "_" in response:
        return "underscore"
    return "older" if normalise_header(response) == "company response" else "official"


@lru_cache(maxsize=4096)  # a file holds a few hundred distinct dates
def parse_cfpb_date(text: str) -> datetime:
    """A CFPB date or time as an aware UTC datetime; raises ValueError when it is neither."""
    for pattern, order in ((ISO_DATE, "ymd"), (DAY_FIRST_DATE, "dmy"), (MONTH_FIRST_DATE, "mdy")):
        match = pattern.fullmatch(text)
        if match:
            parts = dict(zip(order, (int(part) for part in match.groups()), strict=True))
            year = parts["y"] + 2000 if parts["y"] < 100 else parts["y"]
            return datetime(year, parts["m"], parts["d"], 12, tzinfo=CFPB_TIMEZONE).astimezone(UTC)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CFPB_TIMEZONE)
    return moment.astimezone(UTC)


@lru_cache(maxsize=1024)
def location_code_for(product: str) -> str:
    """One location per product: "Credit reporting, credit repair services, ..." -> "cfpb-credit-reporting"."""
    head = slugify(product.split(",")[0])[: LOCATION_CODE_LENGTH - len(LOCATION_PREFIX)].strip("-")
    return LOCATION_PREFIX + (head or "unknown")


@lru_cache(maxsize=4096)  # a few hundred issues repeat over millions of rows
def category_for(issue: str) -> str:
    return slugify(issue)[:MAX_CATEGORY_LENGTH].strip("-")


def split_tags(tags: str) -> list[str]:
    return [tag.strip() for tag in tags.split(",") if tag.strip()]


class _Row:
    """One row's values by field name, remembering the file's own column names for error messages."""

    def __init__(self, number: int, values: dict[str, str], layout: CfpbLayout):
        self.number, self.layout = number, layout
        self.fields = {field: (values.get(column) or "").strip() for field, column in layout.columns.items()}

    def get(self, field: str) -> str:
        return self.fields.get(field, "")

    def column(self, field: str) -> str:
        return self.layout.columns.get(field, field)

    def missing(self, field: str) -> RowError:
        name = self.column(field)
        return reject(self.number, ErrorCode.MISSING_FIELD, f"{name} is empty.", name)

    def invalid(self, field: str, value: str, expected: str) -> RowError:
        name = self.column(field)
        return reject(self.number, ErrorCode.INVALID_VALUE, f"{name}: {value!r} is not {expected}.", name)


def map_row(number: int, values: dict[str, str], layout: CfpbLayout) -> ImportRecord | RowError:
    """One CFPB row as a complaint with its case history, or why it cannot be imported."""
    row = _Row(number, values, layout)
    complaint_id = row.get("complaint_id")
    for field in ("complaint_id", "date_received", "product", "issue"):
        if not row.get(field):
            return row.missing(field)
    if len(complaint_id) > MAX_COMPLAINT_ID_LENGTH:
        name = row.column("complaint_id")
        return reject(number, ErrorCode.TOO_LONG, f"{name} is longer than {MAX_COMPLAINT_ID_LENGTH} characters.", name)
    received = _date(row, "date_received")
    if isinstance(received, RowError):
        return received
    assert received is not None  # not empty, checked above
    history = _history(row, received)
    if isinstance(history, RowError):
        return history
    text, attributes = _text_and_attributes(row)
    tags = split_tags(row.get("tags"))
    product = row.get("product")
    return ImportRecord(
        row=number,
        source=SOURCE,
        external_ref=complaint_id,
        customer=CustomerData(
            external_id=CUSTOMER_PREFIX + complaint_id,
            language="en",
            segment=", ".join(tags)[:MAX_SEGMENT_LENGTH] or None,
        ),
        location_code=location_code_for(product),
        new_location=NewLocation(
            code=location_code_for(product), name=product[:200], country="US", timezone_name=LOCATION_TIMEZONE
        ),
        channel=CHANNELS.get(row.get("submitted_via").lower(), Channel.API),
        kind=FeedbackKind.COMPLAINT,
        occurred_at=received,
        text=text,
        language="en",
        attributes=attributes,
        history=history,
    )


def _date(row: _Row, field: str) -> datetime | RowError | None:
    text = row.get(field)
    if not text:
        return None
    try:
        return parse_cfpb_date(text)
    except ValueError:
        return row.invalid(field, text, "a date (YYYY-MM-DD, DD-MM-YYYY, MM/DD/YYYY or ISO 8601)")


def _yes_no(row: _Row, field: str) -> bool | RowError | None:
    text = row.get(field)
    if text.lower() not in YES_NO:
        return row.invalid(field, text, "Yes, No or N/A")
    return YES_NO[text.lower()]


def _history(row: _Row, received: datetime) -> CaseHistory | RowError:
    sent = _date(row, "date_sent_to_company")
    if isinstance(sent, RowError):
        return sent
    timely = _yes_no(row, "timely")
    if isinstance(timely, RowError):
        return timely
    disputed = _yes_no(row, "consumer_disputed")
    if isinstance(disputed, RowError):
        return disputed
    response = row.get("company_response")
    known = RESPONSES.get(normalise_header(response))
    if known is None:
        return row.invalid("company_response", response, "a company response the CFPB uses (e.g. In progress)")
    outcome, closed = known
    if sent is not None and sent < received:
        sent = received  # routed before it arrived: a data error; the order of the timeline must hold
    return CaseHistory(
        category=category_for(row.get("issue")),
        outcome=outcome,
        sla_met=timely,
        outcome_disputed=disputed,
        sent_at=sent,
        resolved_at=(sent or received) if closed else None,
        resolution=response if closed else "",
        summary=_summary(row.get("issue"), row.get("sub_issue")),
    )


def _summary(issue: str, sub_issue: str) -> str:
    summary = f"{issue}: {sub_issue}" if sub_issue else issue
    return summary if len(summary) <= SUMMARY_LENGTH else summary[: SUMMARY_LENGTH - 1] + "…"


def _text_and_attributes(row: _Row) -> tuple[str, dict]:
    """The narrative (cut at the text limit, the original length noted) and what else the row tells."""
    text = row.get("narrative")
    attributes: dict = {
        field: value
        for field in (
            "submitted_via",
            "product",
            "sub_product",
            "issue",
            "sub_issue",
            "company",
            "state",
            "zip_code",
            "company_response",
            "company_public_response",
            "consumer_consent",
        )
        if (value := row.get(field))
    }
    tags = split_tags(row.get("tags"))
    if tags:
        attributes["tags"] = tags
    limit = settings.AMENDS_MAX_TEXT_LENGTH
    if len(text) > limit:
        attributes["text_truncated_from"] = len(text)
        text = text[:limit]
    return text, attributes
