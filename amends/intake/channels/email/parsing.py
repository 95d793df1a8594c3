"""Read one raw RFC 5322 message: who wrote it, what they wrote, which thread it belongs to, and whether a person
wrote it at all (auto-replies and bounces are not complaints). Pure: no database, no Django.

Mail from the outside is untrusted and often malformed, so every header is read defensively: a broken header
becomes an empty value, never an exception.
"""

import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from amends.core.text import flattened

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 20
MAX_REF_LENGTH = 255  # Feedback.external_ref
MAX_REFERENCES = 20  # a long thread's oldest references add nothing
_MSG_ID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParsedEmail:
    sender_name: str
    sender_address: str  # "" when the message names no usable sender
    subject: str
    body: str  # the best text part, without quoted reply history
    message_id: str  # "<id@host>", or "sha256:<hex of the raw bytes>" when the message has none
    in_reply_to: str  # "<id@host>" or ""
    references: tuple[str, ...]  # oldest first, as in the header
    occurred_at: datetime  # aware, UTC
    attachments: tuple[Attachment, ...]
    skipped_attachments: tuple[str, ...]  # names of attachments over the size or count limit
    language: str | None  # primary subtag of Content-Language, e.g. "de"
    automatic: str | None  # why no person wrote it (see automatic_reason), or None

    @property
    def thread_refs(self) -> tuple[str, ...]:
        """The messages this one answers, the closest first: In-Reply-To, then References newest first."""
        refs = [self.in_reply_to, *reversed(self.references)]
        return tuple(dict.fromkeys(ref for ref in refs if ref))


def parse_email(raw: bytes, *, now: datetime | None = None) -> ParsedEmail:
    now = now or datetime.now(UTC)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    name, address = sender(message)
    body_part = _body_part(message)
    attachments, skipped = _attachments(message, body_part)
    return ParsedEmail(
        sender_name=name,
        sender_address=address,
        subject=" ".join(header(message, "Subject").split()),
        body=body_text(body_part) if body_part is not None else "",
        message_id=normalise_ref(header(message, "Message-ID")) or "sha256:" + hashlib.sha256(raw).hexdigest(),
        in_reply_to=next(iter(message_refs(header(message, "In-Reply-To"))), ""),
        references=message_refs(header(message, "References"))[-MAX_REFERENCES:],
        occurred_at=_occurred_at(header(message, "Date"), now),
        attachments=attachments,
        skipped_attachments=skipped,
        language=_language(message, body_part),
        automatic=automatic_reason(message),
    )


def header(message: Message, name: str) -> str:
    """The decoded header value, or "" when it is missing or too broken to read."""
    try:
        value = message.get(name)
        return "" if value is None else str(value).strip()
    except Exception:  # the email package raises many kinds of errors on hostile headers
        return ""


# --- thread -------------------------------------------------------------------------------------------------------


def message_refs(value: str) -> tuple[str, ...]:
    """Every <message-id> in a header, in order; comments and junk around them are ignored."""
    return tuple(normalise_ref(f"<{found}>") for found in _MSG_ID.findall(value))


def normalise_ref(value: str) -> str:
    """One message id as stored in Feedback.external_ref: "<id@host>", hashed when too long to store."""
    found = _MSG_ID.search(value)
    if found:
        ref = f"<{found.group(1)}>"
    elif value.strip() and " " not in value.strip():
        ref = f"<{value.strip()}>"  # some mailers forget the angle brackets
    else:
        return ""
    if len(ref) > MAX_REF_LENGTH:
        return "sha256:" + hashlib.sha256(ref.encode()).hexdigest()
    return ref


# --- sender, date, language ---------------------------------------------------------------------------------------


def sender(message: Message) -> tuple[str, str]:
    """(display name, address) from From, or from Reply-To when From has no usable address. The name becomes the
    customer's, a one-line field: an encoded line break in it is flattened, not kept."""
    for name in ("From", "Reply-To"):
        display, address = _first_address(message, name)
        if "@" in address and not any(char.isspace() for char in address):
            return flattened(display), address
    return "", ""


def _first_address(message: Message, name: str) -> tuple[str, str]:
    try:
        value = message.get(name)
        addresses = getattr(value, "addresses", ())
        if addresses:
            return str(addresses[0].display_name or "").strip(), str(addresses[0].addr_spec or "").strip()
    except Exception:  # a broken address header: read it the old, lenient way below
        pass
    display, address = parseaddr(header(message, name))
    return display.strip(), address.strip()


def _occurred_at(value: str, now: datetime) -> datetime:
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return now
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)  # "-0000": the sender did not know its zone; UTC is the best guess
    sent = sent.astimezone(UTC)
    return min(sent, now)  # a date in the future is a wrong clock, not a message from tomorrow


def _language(message: Message, body_part: Message | None) -> str | None:
    value = header(message, "Content-Language") or (header(body_part, "Content-Language") if body_part else "")
    primary = value.split(",")[0].strip().split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


# --- body -----------------------------------------------------------------------------------------------------------


def _body_part(message: EmailMessage) -> MIMEPart | None:
    try:
        return message.get_body(preferencelist=("plain", "html"))
    except Exception:  # a malformed MIME tree: no readable body
        return None


def body_text(part: Message) -> str:
    text = _decoded_text(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_quoted_history(text)


def _decoded_text(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, ValueError, AttributeError):  # an unknown charset or broken encoding
        pass
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


class _TextExtractor(HTMLParser):
    """Text of an HTML body: blocks become lines; scripts, styles and quoted replies (<blockquote>) are dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre"}
    HIDDEN = {"script", "style", "head", "title", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.chunks).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# "On <date>, <person> wrote:" and its translations; the attribution may be wrapped over two lines.
_ATTRIBUTION = re.compile(
    r"^(on\b.*\bwrote|am\b.*\bschrieb\b.*|op\b.*\bschreef\b.*|le\b.*\ba écrit\s*|"
    r"il\b.*\bha scritto|el\b.*\bescribió)\s*:$",
    re.IGNORECASE,
)
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(original message|ursprüngliche nachricht|oorspronkelijk bericht|message d'origine|"
    r"messaggio originale|mensaje original)\s*-{2,}$",
    re.IGNORECASE,
)


def _wrapped_attribution(line: str) -> bool:
    """Could this line be the first half of an attribution that a mailer wrapped (it has a date or an address)?"""
    return bool(re.search(r"[\d@]", line)) and not line.endswith((".", "!", "?"))


def strip_quoted_history(text: str) -> str:
    """The new words only: stop at the attribution of a quoted reply or the signature; drop "> " lines.

    When nothing is left (a reply that only quotes), the text is kept as it was rather than lost.
    """
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if line == "-- " or _ORIGINAL_MESSAGE.match(stripped) or _ATTRIBUTION.match(stripped):
            break
        if _wrapped_attribution(stripped) and _ATTRIBUTION.match(f"{stripped} {following}"):
            break
        if not stripped.startswith(">"):
            kept.append(line.rstrip())
    new_words = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return new_words or text.strip()


# --- attachments ----------------------------------------------------------------------------------------------------


def _leaves(part: Message) -> Iterator[Message]:
    """The non-multipart parts; an attached message (message/rfc822) is one leaf, not opened."""
    if part.is_multipart() and part.get_content_maintype() == "multipart":
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub)
    else:
        yield part


def _attachments(message: Message, body_part: Message | None) -> tuple[tuple[Attachment, ...], tuple[str, ...]]:
    """Files and pictures: parts with a file name, or that are not text (an inline photo of the damage)."""
    kept: list[Attachment] = []
    skipped: list[str] = []
    for number, part in enumerate(_leaves(message), start=1):
        if part is body_part or (part.get_content_maintype() == "text" and not part.get_filename()):
            continue  # the body, or another rendering of it (the HTML beside the plain text)
        name = _attachment_name(part, number)
        content = _attachment_bytes(part)
        if len(content) > MAX_ATTACHMENT_BYTES or len(kept) >= MAX_ATTACHMENTS:
            skipped.append(name)
        else:
            kept.append(Attachment(name=name, content_type=part.get_content_type(), content=content))
    return tuple(kept), tuple(skipped)


def _attachment_name(part: Message, number: int) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # a broken RFC 2231 parameter
        name = ""
    name = re.sub(r"[\x00-\x1f/\\]", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if not name:
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = f"attachment-{number}{extension}"
    return name[-100:]


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes(policy=policy.default)
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


# --- automatic messages ---------------------------------------------------------------------------------------------

AUTOMATIC_PRECEDENCE = {"bulk", "auto_reply", "junk", "list"}
DAEMON_SENDERS = {"mailer-daemon", "postmaster"}
REPORT_TYPES = {"delivery-status", "disposition-notification"}  # bounces and read receipts (RFC 3464, RFC 8098)
# Subjects that auto-replies and bounces start with, in the languages Amends speaks; the phrase must be followed by
# ":", "(" or the end, so that "Out of office hours nobody answered" stays a complaint.
_AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(out of (the )?office( auto-?reply)?|automatic reply|auto[- ]?reply|autoresponse|"
    r"abwesenheitsnotiz|automatische antwort|afwezig(heidsbericht|heidsmelding)?|automatisch antwoord|"
    r"réponse automatique|absence|risposta automatica|fuori sede|respuesta automática|fuera de la oficina|"
    r"undeliverable|undelivered mail returned to sender|delivery status notification|mail delivery failed|"
    r"returned mail|unzustellbar|non recapitabile|onbestelbaar|non remis|no se puede entregar)\s*(:|\(|$)",
    re.IGNORECASE,
)


def automatic_reason(message: Message) -> str | None:
    """Why a machine, not a person, wrote this message (an auto-reply or a bounce), or None.

    X-Auto-Response-Suppress is deliberately not a signal: Outlook sets it on ordinary mail too.
    """
    auto_submitted = header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"  # RFC 3834
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Failed-Recipients"):
        if header(message, name):
            return name
    precedence = header(message, "Precedence").lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    if message.get_content_type() == "multipart/report" and message.get_param("report-type") in REPORT_TYPES:
        return f"multipart/report; report-type={message.get_param('report-type')}"
    local_part = sender(message)[1].split("@")[0].lower()
    if local_part in DAEMON_SENDERS:
        return f"sender {local_part}"
    if message.get("Return-Path") is not None and header(message, "Return-Path").replace(" ", "") == "<>":
        return "empty Return-Path"  # RFC 3834: automatic responses are sent with a null return path
    subject = header(message, "Subject")
    if _AUTOMATIC_SUBJECT.match(subject):
        return f"subject {subject[:60]!r}"
    return None


def is_automatic(message: Message) -> bool:
    return automatic_reason(message) is not None
