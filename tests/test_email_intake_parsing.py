"""Reading raw email (no database): who wrote, what they wrote, which thread, and whether a person wrote it at all."""

from datetime import UTC, datetime

import pytest

from amends.intake.channels.email import parsing
from amends.intake.channels.email.parsing import html_to_text, parse_email, strip_quoted_history

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def raw(*lines: str) -> bytes:
    """A message as it travels: CRLF line ends; non-ASCII only where a test means 8-bit bytes."""
    return "\r\n".join(lines).encode("utf-8")


def parse(*lines: str):
    return parse_email(raw(*lines), now=NOW)


PLAIN = (
    'From: "Anna de Vries" <Anna@Example.com>',
    "To: support@hotel.example",
    "Subject: Dirty room, nobody came",
    "Message-ID: <complaint-1@mail.example.com>",
    "Date: Mon, 03 Mar 2025 10:00:00 +0100",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "The room was dirty and nobody came when I called.",
    "",
    "Anna",
)


def test_a_plain_message_gives_sender_subject_body_id_and_utc_date() -> None:
    message = parse(*PLAIN)
    assert (message.sender_name, message.sender_address) == ("Anna de Vries", "Anna@Example.com")
    assert message.subject == "Dirty room, nobody came"
    assert message.body == "The room was dirty and nobody came when I called.\n\nAnna"
    assert message.message_id == "<complaint-1@mail.example.com>"
    assert message.occurred_at == datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    assert (message.in_reply_to, message.references, message.attachments) == ("", (), ())
    assert message.automatic is None
    assert message.language is None


def test_multipart_alternative_prefers_the_plain_text() -> None:
    message = parse(
        "From: anna@example.com",
        "Subject: Noise",
        "Message-ID: <alt@example.com>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Plain: the party next door went on until 3 am.",
        "--b1",
        "Content-Type: text/html; charset=us-ascii",
        "",
        "<p>HTML: the party next door</p>",
        "--b1--",
    )
    assert message.body == "Plain: the party next door went on until 3 am."
    assert message.attachments == ()  # the HTML rendering is not a file the customer sent


def test_an_html_only_message_becomes_text_without_tags_scripts_or_quotes() -> None:
    message = parse(
        "From: anna@example.com",
        "Subject: Breakfast",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<html><head><title>x</title><style>p {color: red}</style></head><body>",
        "<p>Breakfast was <b>cold</b> &amp; late.</p><div>Second&nbsp;line<br>third line</div>",
        "<script>alert('hi')</script><blockquote>Earlier mail from the hotel</blockquote>",
        "</body></html>",
    )
    assert message.body == "Breakfast was cold & late.\n\nSecond line\nthird line"


def test_html_to_text_keeps_words_of_unclosed_markup() -> None:
    assert html_to_text("<p>one<p>two &lt;3") == "one\ntwo <3"


def test_encoded_words_in_subject_and_name_are_decoded() -> None:
    message = parse(
        "From: =?utf-8?B?Wm/Dqw==?= =?iso-8859-1?Q?M=FCller?= <zoe@example.de>",
        "Subject: =?utf-8?Q?Zimmer_nicht_sauber_=E2=80=93_=C3=A4rgerlich?=",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Hallo",
    )
    assert message.sender_name == "Zoë Müller"
    assert message.subject == "Zimmer nicht sauber \N{EN DASH} ärgerlich"


def test_a_quoted_printable_body_is_decoded() -> None:
    message = parse(
        "From: chloe@example.fr",
        "Subject: =?iso-8859-1?Q?R=E9servation?=",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "La chambre =C3=A9tait sale et le personnel d=C3=A9sagr=C3=A9able. Une tr=",
        "=C3=A8s longue ligne coup=C3=A9e.",
    )
    assert message.subject == "Réservation"
    assert message.body == "La chambre était sale et le personnel désagréable. Une très longue ligne coupée."


def test_a_base64_body_in_latin_1_is_decoded() -> None:
    # "Das Frühstück war kalt." in ISO-8859-1, base64-encoded
    message = parse(
        "From: bob@example.de",
        "Subject: Frühstück",  # raw 8-bit UTF-8 in a header, as some mailers send it
        "Content-Type: text/plain; charset=iso-8859-1",
        "Content-Transfer-Encoding: base64",
        "",
        "RGFzIEZy/GhzdPxjayB3YXIga2FsdC4=",
    )
    assert message.body == "Das Frühstück war kalt."
    assert message.subject == "Frühstück"


def test_an_unknown_charset_does_not_lose_the_message() -> None:
    message = parse("From: a@example.com", "Content-Type: text/plain; charset=x-unknown", "", "Still readable")
    assert message.body == "Still readable"


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, 3 Mar 2025 at 10:00, Hotel Support <support@hotel.example> wrote:",
        "Am 03.03.2025 um 10:00 schrieb Hotel Support <support@hotel.example>:",
        "Op ma 3 mrt 2025 om 10:00 schreef Hotel Support <support@hotel.example>:",
        "Le lun. 3 mars 2025 à 10:00, Hotel Support <support@hotel.example> a écrit :",
        "Il giorno lun 3 mar 2025 alle ore 10:00 Hotel Support <support@hotel.example> ha scritto:",
        "El lun, 3 mar 2025 a las 10:00, Hotel Support (<support@hotel.example>) escribió:",
        "-----Original Message-----",
        "-----Ursprüngliche Nachricht-----",
    ],
)
def test_quoted_reply_history_is_dropped(attribution: str) -> None:
    text = f"Still no refund.\n\n{attribution}\n> We are sorry to hear that.\n> Kind regards"
    assert strip_quoted_history(text) == "Still no refund."


def test_an_attribution_wrapped_over_two_lines_is_recognised() -> None:
    text = "Still no refund.\n\nOn Mon, 3 Mar 2025 at 10:00, Hotel Support <support@hotel.example>\nwrote:\n> Sorry"
    assert strip_quoted_history(text) == "Still no refund."


def test_interleaved_quotes_and_the_signature_are_dropped_but_the_words_between_stay() -> None:
    text = "> Did you get the refund?\nNo, I did not.\n> And the voucher?\nNot that either.\n-- \nAnna\n+31 6 1234"
    assert strip_quoted_history(text) == "No, I did not.\nNot that either."


def test_a_sentence_starting_with_on_is_not_taken_for_an_attribution() -> None:
    text = "On arrival the room was dirty.\nOn Mon, 3 Mar 2025, Hotel <h@hotel.example> wrote:\n> Hello"
    assert strip_quoted_history(text) == "On arrival the room was dirty."


def test_a_reply_that_only_quotes_keeps_its_text() -> None:
    assert strip_quoted_history("> only a quote") == "> only a quote"


def test_thread_headers_are_read_and_the_closest_message_comes_first() -> None:
    message = parse(
        "From: anna@example.com",
        "Message-ID: <3@example.com>",
        "In-Reply-To: <2@hotel.example> (Hotel Support's message of Mon, 3 Mar 2025)",
        "References: <1@example.com>",
        " <2@hotel.example>",
        "",
        "Thanks",
    )
    assert message.in_reply_to == "<2@hotel.example>"
    assert message.references == ("<1@example.com>", "<2@hotel.example>")
    assert message.thread_refs == ("<2@hotel.example>", "<1@example.com>")


def test_a_message_without_message_id_gets_a_stable_one_from_its_bytes() -> None:
    first = parse("From: anna@example.com", "Subject: No id", "", "Body")
    again = parse("From: anna@example.com", "Subject: No id", "", "Body")
    other = parse("From: anna@example.com", "Subject: No id", "", "Other body")
    assert first.message_id.startswith("sha256:") and len(first.message_id) == 71
    assert first.message_id == again.message_id != other.message_id


def test_a_message_id_without_angle_brackets_is_normalised() -> None:
    assert parse("From: a@example.com", "Message-ID: abc@example.com", "", "x").message_id == "<abc@example.com>"


def test_an_overlong_message_id_is_hashed_to_fit() -> None:
    message_id = parse("From: a@example.com", f"Message-ID: <{'x' * 300}@example.com>", "", "x").message_id
    assert message_id.startswith("sha256:") and len(message_id) <= 255


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Mon, 03 Mar 2025 10:00:00 -0000", datetime(2025, 3, 3, 10, 0, tzinfo=UTC)),  # zone unknown: UTC
        ("Tue, 04 Mar 2025 23:30:00 -0500", datetime(2025, 3, 5, 4, 30, tzinfo=UTC)),
        ("not a date", NOW),
        ("Fri, 01 Jan 2100 00:00:00 +0000", NOW),  # a sender's clock in the future
    ],
)
def test_the_date_becomes_aware_utc_or_now(date: str, expected: datetime) -> None:
    assert parse("From: a@example.com", f"Date: {date}", "", "x").occurred_at == expected


def test_no_date_means_now() -> None:
    assert parse("From: a@example.com", "", "x").occurred_at == NOW


@pytest.mark.parametrize(
    ("value", "language"), [("de-DE", "de"), ("en-GB, fr", "en"), ("NL", "nl"), ("pt-BR", "pt"), ("", None)]
)
def test_the_language_hint_comes_from_content_language(value: str, language: str | None) -> None:
    headers = [f"Content-Language: {value}"] if value else []
    assert parse("From: a@example.com", *headers, "", "x").language == language


def test_reply_to_stands_in_when_from_has_no_address() -> None:
    message = parse("From: Booking Form", 'Reply-To: "Carla Rossi" <carla@example.it>', "", "x")
    assert (message.sender_name, message.sender_address) == ("Carla Rossi", "carla@example.it")


def test_no_sender_at_all_gives_an_empty_address() -> None:
    assert parse("Subject: who?", "", "x").sender_address == ""


MIXED = (
    "From: anna@example.com",
    "Subject: Photos of the damage",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="outer"',
    "",
    "--outer",
    'Content-Type: multipart/related; boundary="rel"',
    "",
    "--rel",
    "Content-Type: text/html; charset=utf-8",
    "",
    '<p>See the broken lamp:</p><img src="cid:lamp">',
    "--rel",
    "Content-Type: image/png",
    "Content-ID: <lamp>",
    "Content-Transfer-Encoding: base64",
    "",
    "iVBORw0KGgo=",
    "--rel--",
    "--outer",
    "Content-Type: application/pdf",
    "Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf",
    "Content-Transfer-Encoding: base64",
    "",
    "JVBERi0xLjQK",
    "--outer",
    "Content-Type: text/plain",
    'Content-Disposition: attachment; filename="../../etc/notes.txt"',
    "",
    "my notes",
    "--outer",
    "Content-Type: message/rfc822",
    "",
    "From: hotel@hotel.example",
    "Subject: Your booking",
    "",
    "Booking confirmed.",
    "--outer--",
)


def test_files_inline_pictures_and_attached_mails_are_attachments() -> None:
    message = parse(*MIXED)
    assert message.body == "See the broken lamp:"
    found = {(item.name, item.content_type): item.content for item in message.attachments}
    assert found[("attachment-2.png", "image/png")] == b"\x89PNG\r\n\x1a\n"
    assert found[("Rechnung März.pdf", "application/pdf")] == b"%PDF-1.4\n"
    assert found[("notes.txt", "text/plain")] == b"my notes"  # no path from the sender survives
    attached_mail = found[("attachment-5.eml", "message/rfc822")]
    assert b"Subject: Your booking" in attached_mail and b"Booking confirmed." in attached_mail
    assert message.skipped_attachments == ()


def test_attachments_over_the_size_limit_are_skipped_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "MAX_ATTACHMENT_BYTES", 8)
    message = parse(*MIXED)
    assert "Rechnung März.pdf" not in {item.name for item in message.attachments}  # 9 bytes
    assert "Rechnung März.pdf" in message.skipped_attachments
    assert "notes.txt" in {item.name for item in message.attachments}  # 8 bytes


# --- automatic messages -------------------------------------------------------------------------------------------


def classify(*headers: str, body: str = "I am away until Monday.") -> str | None:
    return parse('From: "Anna" <anna@example.com>', "Subject: Re: Your complaint", *headers, "", body).automatic


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "Auto-Submitted: auto-notified; owner-email=me@example.com",
        "X-Autoreply: yes",
        "X-Autorespond: Vacation",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "Precedence: junk",
        "Precedence: list",
        "Return-Path: <>",
        "X-Failed-Recipients: gone@example.com",
    ],
)
def test_each_auto_reply_header_marks_the_message_automatic(header: str) -> None:
    assert classify(header) is not None


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Your complaint",
        "Out of office",
        "Automatic reply: Dirty room",
        "AutoReply: Dirty room",
        "Abwesenheitsnotiz: Zimmer",
        "Automatische Antwort: Zimmer",
        "Afwezig: Kamer",
        "Automatisch antwoord: Kamer",
        "Réponse automatique : Chambre",
        "Risposta automatica: Camera",
        "Respuesta automática: Habitación",
        "Undeliverable: Your complaint",
        "Undelivered Mail Returned to Sender",
        "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender",
    ],
)
def test_auto_reply_and_bounce_subjects_mark_the_message_automatic(subject: str) -> None:
    assert parse("From: anna@example.com", f"Subject: {subject}", "", "x").automatic is not None


@pytest.mark.parametrize(
    "subject",
    ["Out of office hours nobody answered", "Absence of any staff at night", "Automatic doors broken"],
)
def test_complaints_that_merely_mention_those_words_are_not_automatic(subject: str) -> None:
    assert parse("From: anna@example.com", f"Subject: {subject}", "", "x").automatic is None


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: no",
        "X-Auto-Response-Suppress: All",  # Outlook sets it on ordinary mail too
        "Precedence: first-class",
        "Return-Path: <anna@example.com>",
    ],
)
def test_ordinary_mail_is_not_automatic(header: str) -> None:
    assert classify(header) is None


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.example.com", "postmaster@example.com"])
def test_mail_from_the_mail_system_is_automatic(sender: str) -> None:
    assert (
        parse(f"From: {sender}", "Subject: Failure notice", "", "x").automatic
        == f"sender {sender.split('@')[0].lower()}"
    )


DELIVERY_STATUS_NOTIFICATION = (
    "From: Mail Delivery System <mailer@mx.example.com>",
    "To: support@hotel.example",
    "Subject: Failure",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
    "",
    "--dsn",
    "Content-Type: text/plain",
    "",
    "This message was created automatically by mail delivery software.",
    "--dsn",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.com",
    "",
    "Final-Recipient: rfc822; gone@example.com",
    "Action: failed",
    "Status: 5.1.1",
    "--dsn--",
)


def test_a_delivery_status_notification_is_a_bounce() -> None:
    assert parse(*DELIVERY_STATUS_NOTIFICATION).automatic == "multipart/report; report-type=delivery-status"


def test_a_read_receipt_is_automatic() -> None:
    lines = [line.replace("delivery-status", "disposition-notification") for line in DELIVERY_STATUS_NOTIFICATION]
    assert parse(*lines).automatic == "multipart/report; report-type=disposition-notification"


def test_is_automatic_reads_a_parsed_message() -> None:
    from email import message_from_bytes, policy

    assert parsing.is_automatic(message_from_bytes(raw("Auto-Submitted: auto-replied", "", "x"), policy=policy.default))
    assert not parsing.is_automatic(message_from_bytes(raw(*PLAIN), policy=policy.default))
