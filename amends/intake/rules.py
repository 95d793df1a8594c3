"""Detection rules: does this feedback match an admin's conditions? Pure, no database.

Conditions (all given ones must hold):
    {"kind": "complaint", "channel": ["email", "social"], "segment": "VIP",
     "nps_max": 6, "csat_max": 2, "ces_min": 5, "keywords": ["refund", "terugbetaling"],
     "repeat_within_days": 7, "attributes": {"delivery_delay_hours": {"gt": 24}, "status": "delayed"},
     "negative_min": 0.8}
`negative_min` needs the text model, so a rule with it is judged in the worker once the text is analysed.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from .detection import Scores

CONDITION_KEYS = {
    "kind", "channel", "segment", "nps_max", "csat_max", "ces_min", "keywords", "repeat_within_days", "attributes",
    "negative_min",
}  # fmt: skip
COMPARISONS = {"gt", "gte", "lt", "lte", "eq", "ne", "in"}
ACTIONS = {"open_case", "ignore", "tag"}


# What validate_conditions accepts, as JSON Schema (the OpenAPI document shows it).
CONDITIONS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "kind": {"description": "A kind, or a list of kinds."},
        "channel": {"description": "A channel, or a list of channels."},
        "segment": {"description": "A segment, or a list (any case)."},
        **{key: {"type": "integer"} for key in ("nps_max", "csat_max", "ces_min", "repeat_within_days")},
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "attributes": {
            "type": ["object", "null"],
            "additionalProperties": {
                "anyOf": [
                    {"type": "object", "propertyNames": {"enum": sorted(COMPARISONS)}},
                    {"not": {"type": "object"}},
                ]
            },
        },
        "negative_min": {"type": "number", "minimum": 0, "maximum": 1},
    },
}


class RuleError(ValueError):
    """A rule an admin wrote that cannot be evaluated; the message says which part."""


@dataclass(frozen=True)
class Facts:
    kind: str
    channel: str
    scores: Scores
    text: str = ""
    segment: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)  # the interaction's
    contacts_within: dict[int, int] = field(default_factory=dict)  # days -> earlier feedback in that window
    negative: float | None = None  # the text model's probability, once known


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_conditions(conditions: dict[str, Any]) -> None:
    """The rule language, as CONDITIONS_SCHEMA describes it to API clients."""
    unknown = sorted(set(conditions) - CONDITION_KEYS)
    if unknown:
        raise RuleError(f"Unknown conditions: {', '.join(unknown)}.")
    for key in ("nps_max", "csat_max", "ces_min", "repeat_within_days"):
        if key in conditions and not (_number(conditions[key]) and float(conditions[key]).is_integer()):
            raise RuleError(f"{key} must be a whole number.")
        if key in conditions:
            conditions[key] = int(conditions[key])  # 5.0 is the whole number 5 in JSON
    if "negative_min" in conditions and not (
        _number(conditions["negative_min"]) and 0 <= conditions["negative_min"] <= 1
    ):
        raise RuleError("negative_min must be a probability between 0 and 1.")
    if "keywords" in conditions and not (
        isinstance(conditions["keywords"], list)
        and all(isinstance(word, str) and word for word in conditions["keywords"])
    ):
        raise RuleError("keywords must be a list of words.")
    if conditions.get("attributes") is not None and not isinstance(conditions["attributes"], dict):
        raise RuleError("attributes must map attribute names to a value or to comparisons.")
    for name, test in (conditions.get("attributes") or {}).items():
        if isinstance(test, dict) and not set(test) <= COMPARISONS:
            raise RuleError(f"attributes.{name}: use {', '.join(sorted(COMPARISONS))}.")


def needs_text_model(conditions: dict[str, Any]) -> bool:
    return "negative_min" in conditions


def matches(conditions: dict[str, Any], facts: Facts) -> bool:
    checks = (
        _one_of(conditions.get("kind"), facts.kind),
        _one_of(conditions.get("channel"), facts.channel),
        _one_of(conditions.get("segment"), facts.segment, fold=True),
        _at_most(conditions.get("nps_max"), facts.scores.nps),
        _at_most(conditions.get("csat_max"), facts.scores.csat),
        _at_least(conditions.get("ces_min"), facts.scores.ces),
        _keywords(conditions.get("keywords"), facts.text),
        _repeat(conditions.get("repeat_within_days"), facts.contacts_within),
        _attributes(conditions.get("attributes"), facts.attributes),
        _at_least(conditions.get("negative_min"), facts.negative),
    )
    return all(checks)


def _one_of(wanted: Any, actual: str, *, fold: bool = False) -> bool:
    if wanted is None:
        return True
    options = wanted if isinstance(wanted, list) else [wanted]
    if fold:
        return actual.strip().lower() in {str(option).strip().lower() for option in options}
    return actual in options


def _at_most(limit: int | None, value: int | None) -> bool:
    return limit is None or (value is not None and value <= limit)


def _at_least(limit: float | None, value: float | None) -> bool:
    return limit is None or (value is not None and value >= limit)


def _keywords(words: list[str] | None, text: str) -> bool:
    if not words:
        return True
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(word.lower())}", lowered) for word in words)


def _repeat(days: int | None, contacts_within: dict[int, int]) -> bool:
    return days is None or contacts_within.get(days, 0) > 0


def _attributes(tests: dict[str, Any] | None, attributes: dict[str, Any]) -> bool:
    return all(_compare(attributes.get(name), test) for name, test in (tests or {}).items())


def _compare(value: Any, test: Any) -> bool:
    if not isinstance(test, dict):
        return bool(value == test)
    try:
        return all(_compare_one(value, op, expected) for op, expected in test.items())
    except TypeError:
        return False  # e.g. "late" > 24: the attribute is not what the rule expects


def _compare_one(value: Any, op: str, expected: Any) -> bool:
    if value is None:
        return op == "ne"
    if op == "in":
        return bool(value in expected)
    return {
        "gt": lambda: value > expected,
        "gte": lambda: value >= expected,
        "lt": lambda: value < expected,
        "lte": lambda: value <= expected,
        "eq": lambda: value == expected,
        "ne": lambda: value != expected,
    }[op]()
