"""Pure rules of anonymisation (no database): what counts as a customer's personal value inside stored text and
JSON, and what it becomes. The services apply them to every app's rows."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

# What an erased free text reads: non-empty on purpose, so "the customer left a comment" (the silent-unhappy rule,
# the analytics) stays as true as it was, while nothing of the comment remains.
ERASED = "[erased]"
PSEUDONYM_PREFIX = "erased-"

EMAIL_ADDRESS = re.compile(r"[^\s@<>\"',;:()\[\]]+@[^\s@<>\"',;:()\[\]]+\.[^\s@<>\"',;:()\[\]]+")
SHORTEST_VALUE = 3  # shorter values ("Al") would erase unrelated words
SHORTEST_PHONE_DIGITS = 6
# A string of this many words inside channel attributes is free text someone wrote, not a tag or a status.
FREE_TEXT_WORDS = 6
# Attribute keys (or parts of keys: "billing_address", "guestName") that hold contact details or free text.
PERSONAL_KEY_PARTS = frozenset(
    {
        "name", "firstname", "lastname", "surname", "fullname", "email", "mail", "phone", "mobile", "tel",
        "telephone", "fax", "address", "street", "city", "zip", "postcode", "postal", "contact", "from", "to", "cc",
        "bcc", "sender", "recipient", "reply", "subject", "text", "body", "comment", "comments", "message", "note",
        "notes", "remark", "remarks", "description", "instructions", "birth", "birthday", "dob", "ip", "iban",
        "card", "passport", "customer", "guest", "passenger", "person", "user", "username", "login", "account",
        "attachment", "attachments", "file", "files", "filename",
    }
)  # fmt: skip


def pseudonym(customer_id: int) -> str:
    """The external id an erased customer keeps: stable, unique and telling nothing."""
    return f"{PSEUDONYM_PREFIX}{customer_id}"


def key_parts(key: str) -> list[str]:
    """The words of a key: billing_address -> billing, address; guestName -> guest, name."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [part.lower() for part in re.split(r"[^A-Za-z0-9]+", spaced) if part]


def personal_key(key: str) -> bool:
    return any(part in PERSONAL_KEY_PARTS for part in key_parts(str(key)))


@dataclass(frozen=True)
class Identity:
    """The values that name one customer: wherever they appear in stored text, they are replaced."""

    values: tuple[str, ...]
    phone_digits: str = ""

    @classmethod
    def of(cls, *, name: str, email: str, phone: str, external_id: str) -> "Identity":
        values = {value.strip() for value in (name, email, phone, external_id) if len(value.strip()) >= SHORTEST_VALUE}
        if "@" in email:
            values.add(email.split("@", 1)[0].strip())  # the mailbox name alone still names them
        digits = re.sub(r"\D", "", phone)
        usable = tuple(sorted((v for v in values if len(v) >= SHORTEST_VALUE), key=len, reverse=True))
        return cls(usable, digits if len(digits) >= SHORTEST_PHONE_DIGITS else "")

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        # Whole words only: a mailbox name "anna" must not cut "Hannah" or a status in two.
        alternatives = [rf"(?<!\w){re.escape(value)}(?!\w)" for value in self.values]
        if self.phone_digits:
            # The number however it is written: "+31 6 1234 5678", "0612345678".
            digits = r"[\s().-]*".join(re.escape(digit) for digit in self.phone_digits[-9:])
            prefix = r"(?:\+?\d{1,3}[\s().-]*)?(?:\(?0\)?[\s().-]*)?"  # a country code, a trunk 0: "+31 (0)6"
            alternatives.append(rf"(?<![\d+]){prefix}{digits}(?!\d)")
        return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def named_in(self, text: str) -> bool:
        """One of the customer's own values appears in the text."""
        pattern = self.pattern
        return bool(text) and pattern is not None and bool(pattern.search(text))


def scrub_text(text: str, identity: Identity, *, any_address: bool = True) -> str:
    """The text with every personal value of the customer replaced by ERASED, and with `any_address` every email
    address too (in what the customer or their mail server sent; not in our own records of colleagues)."""
    if not text:
        return text
    pattern = identity.pattern
    if pattern is not None:
        text = pattern.sub(ERASED, text)
    return EMAIL_ADDRESS.sub(ERASED, text) if any_address else text


def erase_text(text: str) -> str:
    """A free text: gone entirely (staff notes about the customer, the customer's own words)."""
    return ERASED if text else text


def scrub_json(value: Any, identity: Identity, *, text_key: Callable[[str], bool] = personal_key) -> Any:
    """A JSON value with the customer's personal data taken out: the values under keys that hold contact details
    or free text are erased whole, long strings (free text) too, and their names and addresses anywhere else.
    Numbers, booleans, short tags and statuses stay, so rules and analytics that read them keep their facts."""
    if isinstance(value, dict):
        return {
            key: (ERASED if _filled(item) else item) if text_key(key) else scrub_json(item, identity, text_key=text_key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub_json(item, identity, text_key=text_key) for item in value]
    if isinstance(value, str):
        if len(value.split()) >= FREE_TEXT_WORDS:
            return ERASED
        return scrub_text(value, identity)
    return value


def scrub_fields(data: dict, identity: Identity, *, free_text: Iterable[str]) -> dict:
    """Our own record (a case event's data): the `free_text` keys are erased whole, the customer's values are
    replaced anywhere else; colleagues' names and addresses, statuses and ids stay."""
    erased = set(free_text)
    return {
        key: (ERASED if _filled(item) else item) if key in erased else _scrub_values(item, identity)
        for key, item in data.items()
    }


def _scrub_values(value: Any, identity: Identity) -> Any:
    if isinstance(value, dict):
        return {key: _scrub_values(item, identity) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_values(item, identity) for item in value]
    if isinstance(value, str):
        return scrub_text(value, identity, any_address=False)
    return value


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it is shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = datetime(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - datetime(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})
