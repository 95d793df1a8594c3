"""Amends' own feedback CSV, one survey answer or complaint per row, checked like POST /api/v1/feedback.

No database here: locations, interactions and rows imported before are checked by the importer, a chunk at a time.

The feedback CSV: UTF-8, comma-separated, a header row naming the columns (in any order):
  external_id           required; this row's id in your system: a row already imported is skipped
  customer_external_id  required; the customer's id in your system
  customer_name, customer_email, customer_language (en, nl, de, it, fr, es)   optional
  location              required; an existing location code
  channel               api (default), web, email, phone, social, survey, chat, in_person
  kind                  required; survey or complaint
  csat (1-5), nps (0-10), ces (1-7), repurchase (1-5)   optional scores
  text                  optional; at most 20,000 characters
  occurred_at           optional; ISO 8601 with its UTC offset, e.g. 2026-11-22T10:00:00+01:00 (default: now)
  interaction           optional; an existing interaction's external id
Only the columns marked required must be present; any other column name is refused. Empty cells count as not
given. A negative answer (NPS <= 6, CSAT <= 2, CES >= 5, or any complaint) opens a recovery case or joins the
customer's open one, as through the API. For example:
  external_id,customer_external_id,customer_name,location,kind,nps,text,occurred_at
  r-1,cust-1,Anna de Vries,ams,survey,3,De kamer was niet schoon.,2026-11-20T10:00:00+01:00
"""

from typing import Any

import pydantic
from django.utils import timezone

from amends.core.apikit import LAX_TYPES, domain_error_from_validation
from amends.core.errors import ErrorCode
from amends.intake.detection import Scores
from amends.intake.schemas import FeedbackIn

from .readers import FileError
from .records import ImportRecord, RowError, reject

SOURCE = "csv"
MAX_EXTERNAL_ID_LENGTH = 255
COLUMNS = (
    "external_id",
    "customer_external_id",
    "customer_name",
    "customer_email",
    "customer_language",
    "location",
    "channel",
    "kind",
    "csat",
    "nps",
    "ces",
    "repurchase",
    "text",
    "occurred_at",
    "interaction",
)
REQUIRED_COLUMNS = ("external_id", "customer_external_id", "location", "kind")

FORMAT_HELP = (__doc__ or "").split("\n\n", 2)[-1]  # `amends import feedback --help` shows the format

# Where pydantic's error locations point in the file.
COLUMN_OF_LOCATION = {
    ("customer", "external_id"): "customer_external_id",
    ("customer", "name"): "customer_name",
    ("customer", "email"): "customer_email",
    ("customer", "language"): "customer_language",
    ("scores", "csat"): "csat",
    ("scores", "nps"): "nps",
    ("scores", "ces"): "ces",
    ("scores", "repurchase"): "repurchase",
}


def check_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    problems = []
    if unknown:
        problems.append("unknown columns " + ", ".join(unknown))
    if missing:
        problems.append("missing columns " + ", ".join(missing))
    if problems:
        raise FileError(
            "This is not an Amends feedback CSV: " + "; ".join(problems) + ". The columns are: " + ", ".join(COLUMNS)
        )


def _column_of(location: list[Any]) -> str | None:
    parts = [str(part) for part in location]
    if len(parts) >= 2 and (parts[0], parts[1]) in COLUMN_OF_LOCATION:
        return COLUMN_OF_LOCATION[(parts[0], parts[1])]
    return parts[0] if parts else None


def _payload(values: dict[str, str]) -> dict[str, Any]:
    """The row as the API's request body; an empty cell is a field not given."""
    given = {name: value.strip() for name, value in values.items() if value.strip()}
    customer = {
        field: given[column]
        for field, column in (
            ("external_id", "customer_external_id"),
            ("name", "customer_name"),
            ("email", "customer_email"),
            ("language", "customer_language"),
        )
        if column in given
    }
    payload: dict[str, Any] = {"customer": customer}
    payload.update(
        {name: given[name] for name in ("location", "channel", "kind", "occurred_at", "interaction") if name in given}
    )
    payload["scores"] = {name: given[name] for name in ("csat", "nps", "ces", "repurchase") if name in given}
    if "text" in given:
        payload["text"] = values["text"].strip()
    return payload


def map_row(number: int, values: dict[str, str]) -> ImportRecord | RowError:
    external_id = values.get("external_id", "").strip()
    if not external_id:
        return reject(number, ErrorCode.MISSING_FIELD, "external_id is empty.", "external_id")
    if len(external_id) > MAX_EXTERNAL_ID_LENGTH:
        message = f"external_id is longer than {MAX_EXTERNAL_ID_LENGTH} characters."
        return reject(number, ErrorCode.TOO_LONG, message, "external_id")
    try:
        feedback = FeedbackIn.model_validate(_payload(values), context={LAX_TYPES: True})
    except pydantic.ValidationError as exc:
        error = domain_error_from_validation(list(exc.errors()), field_of=_column_of)
        return RowError.from_domain(number, error)
    return ImportRecord(
        row=number,
        source=SOURCE,
        external_ref=external_id,
        customer=feedback.customer.as_data(),
        location_code=feedback.location,
        channel=feedback.channel,
        kind=feedback.kind,
        occurred_at=feedback.occurred_at or timezone.now(),
        scores=Scores(**feedback.scores.model_dump()),
        text=feedback.text,
        language=feedback.language.value if feedback.language else None,
        interaction_external_id=feedback.interaction,
    )
