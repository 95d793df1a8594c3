"""Signed webhook deliveries: pure functions, no database.

A sender signs each delivery with its source's secret and puts the result in the `Amends-Signature` header:

    Amends-Signature: t=1732280000,v1=<hex HMAC-SHA256 of "<t>.<raw body>">

The timestamp is part of what is signed, so an old delivery cannot be replayed with a fresh time; deliveries older
(or newer) than the tolerance are refused, and the receiver remembers the signatures it accepted within it.
"""

import hashlib
import hmac
from dataclasses import dataclass

SIGNATURE_HEADER = "Amends-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Signature:
    timestamp: int
    digests: tuple[str, ...]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def parse(header: str) -> Signature:
    timestamp: int | None = None
    digests: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            digests.append(value.lower())
    if timestamp is None or not digests:
        raise SignatureError("invalid_signature", f"The {SIGNATURE_HEADER} header must be t=<unix time>,v1=<hex>.")
    return Signature(timestamp=timestamp, digests=tuple(digests))


def verify(*, secret: str, header: str | None, body: bytes, now: float, tolerance: int) -> Signature:
    """Check the header against the body; several v1 digests are allowed while a secret is being rotated."""
    if not header:
        raise SignatureError("missing_signature", f"Sign the delivery: send the {SIGNATURE_HEADER} header.")
    signature = parse(header)
    if abs(now - signature.timestamp) > tolerance:
        raise SignatureError("stale_signature", "The signature's timestamp is too old or in the future.")
    expected = sign(secret, signature.timestamp, body).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, digest) for digest in signature.digests):
        raise SignatureError("invalid_signature", "The signature does not match the body.")
    return signature
