"""From a review or social tool's JSON to our feedback fields, by a mapping an admin configures per source.

A mapping names, for each of our fields, a dotted path into the delivery (`review.author.id`), or a constant
written as {"value": ...}. Example for a review tool:

    {"external_ref": "id", "customer.external_id": "author.id", "customer.name": "author.name",
     "text": "review.body", "scores.csat": "review.stars", "kind": {"value": "complaint"}}
"""

from typing import Any

MAPPABLE_FIELDS = (
    "external_ref",
    "customer.external_id",
    "customer.name",
    "customer.email",
    "customer.language",
    "location",
    "channel",
    "kind",
    "scores.csat",
    "scores.nps",
    "scores.ces",
    "text",
    "language",
    "occurred_at",
)


class MappingError(ValueError):
    pass


def lookup(document: Any, path: str) -> Any:
    current = document
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def validate_mapping(mapping: dict[str, Any]) -> None:
    unknown = sorted(set(mapping) - set(MAPPABLE_FIELDS))
    if unknown:
        raise MappingError(f"Unknown fields in the mapping: {', '.join(unknown)}.")
    for field, rule in mapping.items():
        if not (isinstance(rule, str) or (isinstance(rule, dict) and set(rule) == {"value"})):
            raise MappingError(f'{field}: give a dotted path or {{"value": ...}}.')


def apply_mapping(mapping: dict[str, Any], delivery: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """Build the nested feedback payload (as the feedback API takes it) from one delivery."""
    flat: dict[str, Any] = dict(defaults)
    for field, rule in mapping.items():
        value = rule["value"] if isinstance(rule, dict) else lookup(delivery, rule)
        if value is not None:
            flat[field] = value
    nested: dict[str, Any] = {}
    for field, value in flat.items():
        head, _, tail = field.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            nested[head] = value
    return nested
