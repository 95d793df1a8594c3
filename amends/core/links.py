"""Customers' single-use links (surveys, follow-ups): `<id>-<mac>`, the MAC an HMAC of the id and a random nonce
under SECRET_KEY. Unguessable, never stored, and rebuilt from the row alone (e.g. for a reminder)."""

from django.utils.crypto import constant_time_compare, salted_hmac


def link_token(salt: str, pk: int, nonce: str) -> str:
    mac = salted_hmac(salt, f"{pk}:{nonce}", algorithm="sha256")
    return f"{pk}-{mac.hexdigest()[:43]}"


def link_id(raw: str) -> int:
    """The id a link claims (0 when it claims none): look the row up, then check with `link_matches`."""
    claimed, _sep, _mac = raw.partition("-")
    return int(claimed) if claimed.isdigit() else 0


def link_matches(salt: str, pk: int, nonce: str, raw: str) -> bool:
    return constant_time_compare(link_token(salt, pk, nonce), raw)
