"""One-line text: names, titles and subjects hold no line breaks and no other control characters.

A line break in a location's name ends up in an email's subject, and a mail library refuses such a header (or,
worse, one that does not would let it add headers). So the rule is kept at input, in one place: `single_line` for
Django's model and form fields, `OneLine` for the API's schemas. Text already stored, or put together from stored
parts, is made one line with `flattened` where it becomes a header.
"""

import re
from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

# Every control character (C0, DEL, C1: among them CR, LF, TAB, NUL and NEL) and the Unicode line and paragraph
# separators: whatever a mail header, a CSV cell or a log line would take for the end of a line.
# Written as escapes, so that the same text is a Python and an ECMAScript (JSON Schema) pattern.
BREAKS = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
_BREAK = re.compile(f"[{BREAKS}]")
_BREAKS_AND_SPACE = re.compile(rf"\s*[{BREAKS}][\s{BREAKS}]*")


def has_line_break(text: str) -> bool:
    """Whether the text holds a line break or another control character."""
    return _BREAK.search(text) is not None


def line_break_message() -> str:
    return _("Keep this to one line: no line breaks, tabs or other control characters.")


def single_line(value: str) -> None:
    """Django validator for model and form fields that hold one line (a name, a title, a subject)."""
    if isinstance(value, str) and has_line_break(value):
        raise ValidationError(line_break_message(), code="line_break")


def _one_line(value: str) -> str:
    if has_line_break(value):
        raise PydanticCustomError("line_break", line_break_message())
    return value


# A string of one line for the API's input schemas; the pattern documents the rule in the OpenAPI description.
OneLine = Annotated[str, AfterValidator(_one_line), Field(json_schema_extra={"pattern": f"^[^{BREAKS}]*$"})]
# A one-line name that is more than spaces (the services refuse a blank one): one pattern states both rules.
OneLineName = Annotated[
    str, AfterValidator(_one_line), Field(json_schema_extra={"pattern": f"^[^{BREAKS}]*[^\\s{BREAKS}][^{BREAKS}]*$"})
]


def flattened(text: str) -> str:
    """The text on one line: each run of line breaks and control characters (with the spaces around it) becomes
    one space. For headers put together from stored text (a location's name in an alert's subject)."""
    return _BREAKS_AND_SPACE.sub(" ", text).strip()
