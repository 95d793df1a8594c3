"""The public complaint form per location, its spam protection, the customer's photo, and the printable poster."""

import io
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from amends.cases.models import Case
from amends.customers.models import Customer
from amends.intake.channels.webform import spam
from amends.intake.channels.webform.poster import _qr_runs, poster_layout
from amends.intake.models import Feedback, FeedbackAttachment

from .conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits_and_private_media(settings: Any, tmp_path: Any) -> Any:
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AMENDS_BASE_URL = "https://amends.example.com"
    yield
    cache.clear()


def a_photo(kind: str = "PNG", name: str = "parcel.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def a_stamp(code: str = "ams", seconds_ago: int = 30) -> str:
    """The stamp a page rendered `seconds_ago` carries: people take longer than three seconds to write."""
    return spam.stamp_issue(code, now=timezone.now() - timedelta(seconds=seconds_ago))


def complaint(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": "The shower was cold for three days and nobody at the desk helped.",
        "csat": "1",
        "name": "Anna de Vries",
        "email": "Anna@Example.com",
        "phone": "+31 20 123 4567",
        "consent": "on",
        "website": "",
        "stamp": a_stamp(),
    }
    data.update(overrides)
    return data


def test_a_complaint_through_the_form_opens_a_case_with_the_customer_and_the_photo(world: World) -> None:
    client = Client()
    page = client.get("/c/ams", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Hotel Amsterdam" in page.content.decode()

    response = client.post("/c/ams?lang=en", complaint(photo=a_photo()))

    assert response.status_code == 302
    feedback = Feedback.objects.get()
    case = Case.objects.get()
    assert (feedback.channel, feedback.kind, feedback.source, feedback.case) == ("web", "complaint", "webform", case)
    assert (feedback.csat, feedback.language, feedback.location) == (1, "en", world.ams)
    assert feedback.attributes["contact_consent"] is True
    assert feedback.customer.external_id == "email:anna@example.com"
    assert (feedback.customer.name, feedback.customer.phone) == ("Anna de Vries", "+31 20 123 4567")
    assert case.team == world.amsterdam
    attachment = feedback.attachments.get()
    assert attachment.content_type == "image/png"
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("PNG", (40, 30))
    assert not attachment.file.name.endswith("parcel.png")  # stored under a name we chose

    thanks = client.get(response["Location"])
    body = thanks.content.decode()
    assert "We have received your message and will get back to you soon." in body
    assert f"Your reference: #{case.pk}" in body


def test_the_same_form_sent_twice_is_stored_once(world: World) -> None:
    client = Client()
    data = complaint()
    first = client.post("/c/ams", data)
    second = client.post("/c/ams", data)  # the back button, or a second click
    assert first.status_code == second.status_code == 302
    # Both land on the thanks page with the same case number (the signed reference may differ by its timestamp).
    references = {client.get(response["Location"]).context["reference"] for response in (first, second)}
    assert references == {Case.objects.get().pk}
    assert first["Location"].split("?")[0] == second["Location"].split("?")[0]
    assert Feedback.objects.count() == 1 and Case.objects.count() == 1


def test_a_repeat_complainant_is_recognised_by_email_and_their_details_are_kept(world: World) -> None:
    client = Client()
    client.post("/c/ams", complaint())
    client.post("/c/ber", complaint(stamp=a_stamp("ber"), email="anna@example.COM", name="Someone Else", phone=""))
    customer = Customer.objects.get()
    assert Feedback.objects.filter(customer=customer).count() == 2
    assert customer.name == "Anna de Vries"  # a public form does not rename a known customer
    assert Feedback.objects.get(location=world.ber).attributes["contact"]["name"] == "Someone Else"


def test_a_filled_honeypot_pretends_success_and_stores_nothing(world: World) -> None:
    response = Client().post("/c/ams", complaint(website="http://spam.example"))
    assert response.status_code == 302
    assert "/c/ams/thanks" in response["Location"] and "ref=" not in response["Location"]
    assert not Feedback.objects.exists() and not Customer.objects.exists()


def test_a_form_sent_within_three_seconds_of_rendering_stores_nothing(world: World) -> None:
    response = Client().post("/c/ams", complaint(stamp=a_stamp(seconds_ago=1)))
    assert response.status_code == 302
    assert "ref=" not in response["Location"]
    assert not Feedback.objects.exists()


def test_a_forged_or_foreign_stamp_asks_to_send_again_and_stores_nothing(world: World) -> None:
    client = Client()
    for stamp in ("forged", a_stamp("ber")):
        response = client.post("/c/ams", complaint(stamp=stamp))
        assert response.status_code == 422
        assert "Please check your message and send it again." in response.content.decode()
    assert not Feedback.objects.exists()


def test_the_rate_limit_answers_429_after_five_submissions_per_address_and_location(world: World) -> None:
    client = Client()
    for n in range(spam.RATE_LIMIT):
        assert client.post("/c/ams", complaint(email=f"guest{n}@example.com")).status_code == 302
    refused = client.post("/c/ams?lang=nl", complaint(email="sixth@example.com"))
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(spam.RATE_WINDOW_SECONDS)
    assert "Probeer het over een paar minuten opnieuw." in refused.content.decode()
    assert Feedback.objects.count() == spam.RATE_LIMIT
    assert client.post("/c/ber", complaint(stamp=a_stamp("ber"))).status_code == 302  # another location
    other_address = Client(REMOTE_ADDR="10.0.0.9").post("/c/ams", complaint(email="neighbour@example.com"))
    assert other_address.status_code == 302


def test_the_rate_limit_window_passes() -> None:
    cache.clear()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert all(spam.rate_limit_hit("k", limit=3, window=60) for _ in range(3))
        assert not spam.rate_limit_hit("k", limit=3, window=60)
        traveller.shift(61)  # the next window
        assert spam.rate_limit_hit("k", limit=3, window=60)


def test_field_errors_appear_next_to_the_fields_in_the_chosen_language(world: World) -> None:
    response = Client().post("/c/ams?lang=de", complaint(text="", email="not-an-address", phone="call me"))
    assert response.status_code == 422
    body = response.content.decode()
    assert '<html lang="de">' in body
    assert re.search(r'id="id_text_error"[^>]*>Dieses Feld ist zwingend erforderlich\.<', body)
    assert re.search(r'id="id_email_error"[^>]*>Bitte gültige E-Mail-Adresse eingeben\.<', body)
    assert re.search(r'id="id_phone_error"[^>]*>Geben Sie eine Telefonnummer ein', body)
    assert 'value="Anna de Vries"' in body  # what they wrote stays in the form
    assert not Feedback.objects.exists()


def test_a_photo_must_really_be_an_image_of_at_most_five_megabytes(world: World) -> None:
    client = Client()
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 'not a photo'; ?>", content_type="image/jpeg")
    response = client.post("/c/ams?lang=fr", complaint(photo=fake))
    assert response.status_code == 422
    assert re.search(
        r'id="id_photo_error"[^>]*>Ce fichier n\S{1,6}est pas une photo JPEG, PNG ou WebP\.<', response.content.decode()
    )
    huge = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), content_type="image/jpeg")
    response = client.post("/c/ams", complaint(photo=huge))
    assert response.status_code == 422
    assert "The photo is larger than 5 MB." in response.content.decode()
    assert not Feedback.objects.exists()
    assert client.post("/c/ams", complaint(photo=a_photo("WEBP", "p.webp"))).status_code == 302
    assert FeedbackAttachment.objects.get().content_type == "image/webp"


def test_the_page_speaks_the_browsers_language_unless_the_customer_picks_another(world: World) -> None:
    client = Client()
    dutch = client.get("/c/ams", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}).content.decode()
    assert '<html lang="nl">' in dutch
    picked = client.get("/c/ams?lang=it", headers={"Accept-Language": "nl"}).content.decode()
    assert '<html lang="it">' in picked
    assert 'href="/c/ams?lang=es"' in picked and 'aria-current="true"' in picked
    assert 'action="/c/ams?lang=it"' in picked  # the choice stays in the URL when the form is sent
    unknown = client.get("/c/ams", headers={"Accept-Language": "ja"}).content.decode()
    assert '<html lang="en">' in unknown


def test_a_signed_in_agents_own_language_does_not_change_the_customer_page(world: World) -> None:
    client = Client()
    client.force_login(world.bob)  # Bob reads the agent pages in German
    page = client.get("/c/ams", headers={"Accept-Language": "fr"})
    assert '<html lang="fr">' in page.content.decode()
    assert page["Content-Language"] == "fr"


def test_an_unknown_location_is_404_in_the_customers_language(world: World) -> None:
    response = Client().get("/c/nowhere?lang=es")
    assert response.status_code == 404
    assert '<html lang="es">' in response.content.decode()
    assert Client().post("/c/nowhere", complaint(stamp=a_stamp("nowhere"))).status_code == 404
    assert Client().get("/c/nowhere/thanks").status_code == 404


def test_the_public_page_shows_only_the_locations_public_name(world: World) -> None:
    body = Client().get("/c/ams").content.decode()
    assert "Hotel Amsterdam" in body
    for private in ("Amsterdam care", "amsterdam@example.com", "alice", "Europe/Amsterdam"):
        assert private not in body


def test_the_thanks_page_shows_only_references_we_signed(world: World) -> None:
    body = Client().get("/c/ams/thanks?ref=12").content.decode()
    assert "We have received your message" in body and "Your reference" not in body


def test_the_form_keeps_csrf_protection(world: World) -> None:
    response = Client(enforce_csrf_checks=True).post("/c/ams?lang=nl", complaint())
    assert response.status_code == 403
    assert not Feedback.objects.exists()
    # The customer is told, in their language, what to do: not Django's technical page.
    body = response.content.decode()
    assert '<html lang="nl">' in body and "Dit formulier is verlopen" in body and "CSRF" not in body


def test_what_the_customer_wrote_is_escaped_on_the_agents_case_page(world: World) -> None:
    Client().post("/c/ams", complaint(text="<script>alert(1)</script>", name="<b>Eve</b>", photo=a_photo()))
    client = Client()
    client.force_login(world.alice)
    body = client.get(f"/cases/{Case.objects.get().pk}/").content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<b>Eve</b>" not in body
    attachment = FeedbackAttachment.objects.get()
    assert f'src="/cases/attachments/{attachment.pk}/"' in body


def test_attachments_are_downloadable_by_the_cases_team_and_hidden_from_others(world: World) -> None:
    Client().post("/c/ams", complaint(photo=a_photo()))
    attachment = FeedbackAttachment.objects.get()
    url = f"/cases/attachments/{attachment.pk}/"
    for user in (world.alice, world.bob, world.admin):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == a_photo().read()  # type: ignore[attr-defined]
    outsider = Client()
    outsider.force_login(world.charlie)
    assert outsider.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert not attachment.file.name.startswith("/")
    assert Client().get(f"/media/{attachment.file.name}").status_code == 404  # no public URL


def test_only_photos_are_shown_inline_other_files_are_downloaded(world: World) -> None:
    Client().post("/c/ams", complaint(photo=a_photo()))
    photo = FeedbackAttachment.objects.get()
    page = FeedbackAttachment(feedback=photo.feedback, content_type="text/html", size=30)
    page.file.save("mail.html", ContentFile(b"<script>alert(document.cookie)</script>"))
    client = Client()
    client.force_login(world.alice)
    assert client.get(f"/cases/attachments/{photo.pk}/")["Content-Disposition"].startswith("inline;")
    response = client.get(f"/cases/attachments/{page.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_staff_location_pages_need_a_login(world: World) -> None:
    for path in ("/locations/", "/locations/ams/", "/locations/ams/poster.svg", "/locations/ams/poster.pdf"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_location_pages_show_the_location_and_its_public_form_url(world: World) -> None:
    client = Client()
    client.force_login(world.bob)  # supervisor of Amsterdam and Berlin
    listing = client.get("/locations/").content.decode()
    assert 'href="/locations/ams/"' in listing and 'href="/locations/ber/"' in listing
    detail = client.get("/locations/ams/").content.decode()
    for fact in ("Hotel Amsterdam", "NL", "Europe/Amsterdam", "Amsterdam care", "https://amends.example.com/c/ams"):
        assert fact in detail
    assert "/locations/ams/poster.pdf?size=a5" in detail
    assert client.get("/locations/nowhere/").status_code == 404


@pytest.mark.parametrize(
    ("size", "svg_size", "media_box"),
    [
        ("a4", 'width="210mm" height="297mm"', "0 0 595.2756 841.8898"),
        ("a5", 'width="148mm" height="210mm"', "0 0 419.5276 595.2756"),
    ],
)
def test_posters_come_as_svg_and_pdf_with_the_public_url(
    world: World, size: str, svg_size: str, media_box: str
) -> None:
    client = Client()
    client.force_login(world.alice)
    svg = client.get("/locations/ams/poster.svg", {"size": size, "lang": "de"})
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    body = svg.content.decode()
    assert svg_size in body
    assert ">https://amends.example.com/c/ams</text>" in body
    assert "Etwas nicht in Ordnung?" in body and "Hotel Amsterdam" in body
    pdf = client.get("/locations/ams/poster.pdf", {"size": size, "lang": "de", "download": "1"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="poster-ams-{size}-de.pdf"'
    assert pdf.content.startswith(b"%PDF-")
    assert f"/MediaBox [ {media_box} ]".encode() in pdf.content
    assert b"/URI (https://amends.example.com/c/ams)" in pdf.content  # the code is also a link
    assert client.get("/locations/ams/poster.pdf", {"size": "a3"}).status_code == 400


def test_the_qr_code_is_drawn_module_for_module() -> None:
    class Place:
        name = "Hotel"
        code = "ams"

    poster = poster_layout(Place(), url="https://amends.example.com/c/ams", language="en")  # type: ignore[arg-type]
    size = len(poster.qr.matrix)
    drawn = [[0] * size for _ in range(size)]
    for row, column, length in _qr_runs(poster.qr):
        for offset in range(length):
            drawn[row - poster.qr.border][column - poster.qr.border + offset] = 1
    assert [tuple(row) for row in drawn] == [tuple(1 if module else 0 for module in row) for row in poster.qr.matrix]


def test_behind_our_own_proxy_the_rate_limit_counts_the_customers_address(world: World, settings: Any) -> None:
    settings.AMENDS_TRUSTED_PROXIES = 1
    proxy = "10.0.0.1"
    for n in range(spam.RATE_LIMIT):
        # A client cannot escape the limit by making up addresses to the left of the one our proxy adds.
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")
        assert client.post("/c/ams", complaint(email=f"g{n}@example.com")).status_code == 302
    same = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert same.post("/c/ams", complaint()).status_code == 429
    neighbour = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8")  # another customer, same proxy
    assert neighbour.post("/c/ams", complaint()).status_code == 302


def test_another_teams_agent_sees_none_of_our_locations_nor_their_posters(world: World) -> None:
    outsider = Client()
    outsider.force_login(world.charlie)
    assert "Hotel Amsterdam" not in outsider.get("/locations/").content.decode()
    assert outsider.get("/locations/ams/").status_code == 404
    assert outsider.get("/locations/ams/poster.svg").status_code == 404
    agent = Client()
    agent.force_login(world.alice)
    listing = agent.get("/locations/").content.decode()
    assert "Hotel Amsterdam" in listing and "Berlin store" not in listing
    assert agent.get("/locations/ams/poster.svg").status_code == 200


def test_a_photo_is_stored_without_its_location_metadata(world: World) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0)}  # GPS: where the customer stood
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 30)).save(buffer, "JPEG", exif=exif)
    assert b"PhoneMaker" in buffer.getvalue()
    photo = SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")
    Client().post("/c/ams", complaint(photo=photo))
    attachment = Feedback.objects.get().attachments.get()
    with attachment.file.open("rb") as stored:
        content = stored.read()
    assert b"PhoneMaker" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG" and not image.getexif()
