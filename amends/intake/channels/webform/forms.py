import io
from typing import IO, Any

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.validators import RegexValidator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from amends.core.text import single_line

from .spam import HONEYPOT_FIELD, Stamp, filled_too_fast, stamp_issue, stamp_read

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# What Pillow finds in the file decides, never the name or the type the browser claims.
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

CSAT_CHOICES = [
    (1, _("Very unhappy")),
    (2, _("Unhappy")),
    (3, _("Neutral")),
    (4, _("Happy")),
    (5, _("Very happy")),
]
# The mouth of each face (SVG path in a 36 x 36 box): drawn, not emoji, so every phone shows the same faces.
CSAT_MOUTHS = {
    1: "M11 27 Q18 19 25 27",
    2: "M12 26 Q18 22.5 24 26",
    3: "M12 24.5 L24 24.5",
    4: "M12 23 Q18 27.5 24 23",
    5: "M11 22 Q18 31 25 22",
}


def photo_content_type(file: IO[bytes]) -> str | None:
    """image/jpeg, image/png or image/webp when the file really is such an image; else None."""
    from PIL import Image

    file.seek(0)
    try:
        with Image.open(file, formats=list(PHOTO_FORMATS)) as image:
            found = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds of errors on broken or hostile files: none of them is a photo
        return None
    finally:
        file.seek(0)
    return PHOTO_FORMATS.get(found or "")


def photo_without_metadata(file: IO[bytes], content_type: str) -> ContentFile:
    """The photo re-encoded without EXIF and other metadata: a phone's photo carries where it was taken.

    The picture is turned upright first, since the orientation lived in the metadata that is dropped.
    """
    from PIL import Image, ImageOps

    file.seek(0)
    with Image.open(file) as image:
        upright = ImageOps.exif_transpose(image)
        fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[content_type]
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        out = io.BytesIO()
        upright.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return ContentFile(out.getvalue(), name="photo")


class UploadSizeLimit(FileUploadHandler):
    """Skip an uploaded file as soon as it passes `limit` bytes, so nothing bigger is ever spooled to disk.

    The other fields still arrive; the request remembers that a file was too large, for the form to say so.
    """

    def __init__(self, request: HttpRequest, limit: int = MAX_PHOTO_BYTES):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True  # type: ignore[union-attr]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class ComplaintForm(forms.Form):
    text = forms.CharField(
        label=_("What went wrong?"),
        help_text=_("Tell us what happened, and when. The more we know, the better we can make it right."),
        max_length=settings.AMENDS_MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    csat = forms.TypedChoiceField(
        label=_("How do you feel about your visit?"),
        choices=CSAT_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("So that we can answer you."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=40,
        required=False,
        validators=[RegexValidator(r"^\+?[0-9 ()./-]{5,40}$", _("Enter a phone number, e.g. +31 20 123 4567."))],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    photo = forms.FileField(
        label=_("A photo"),
        help_text=_("JPEG, PNG or WebP, up to 5 MB."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    consent = forms.BooleanField(
        label=_("You may contact me about this."), required=False
    )  # opt-in: never ticked for them
    # Not for people: hidden by CSS and skipped by keyboard and screen readers.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)
    stamp = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args: Any, location_code: str, photo_too_large: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.location_code = location_code
        self.photo_too_large = photo_too_large
        self.photo_type: str | None = None
        self.stamp_value: Stamp | None = None
        assert HONEYPOT_FIELD in self.fields

    def csat_faces(self) -> list[tuple[Any, str]]:
        return [(choice, CSAT_MOUTHS[int(choice.data["value"])]) for choice in self["csat"]]

    def is_bot(self) -> bool:
        """Filled in the hidden field, or sent sooner than a person could: pretend success, store nothing."""
        if not self.is_bound:
            return False
        if self.data.get(HONEYPOT_FIELD, "").strip():
            return True
        stamp = stamp_read(self.data.get("stamp", ""), location_code=self.location_code)
        return stamp is not None and filled_too_fast(stamp)

    def stamp_for_page(self) -> str:
        """The stamp to render: the one sent when it is still good (same nonce: a second send is stored once)."""
        sent = self.data.get("stamp", "") if self.is_bound else ""
        if sent and stamp_read(sent, location_code=self.location_code) is not None:
            return str(sent)
        return stamp_issue(self.location_code)

    def clean_photo(self) -> Any:
        if self.photo_too_large:
            raise forms.ValidationError(_("The photo is larger than 5 MB. Please choose a smaller one."))
        photo = self.cleaned_data.get("photo")
        if not photo:
            return None
        if photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("The photo is larger than 5 MB. Please choose a smaller one."))
        self.photo_type = photo_content_type(photo)
        if self.photo_type is None:
            raise forms.ValidationError(_("This file is not a JPEG, PNG or WebP photo."))
        return photo_without_metadata(photo, self.photo_type)

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip()

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        self.stamp_value = stamp_read(self.data.get("stamp", ""), location_code=self.location_code)
        if self.stamp_value is None:
            raise forms.ValidationError(
                _("This page was open for too long. Please check your message and send it again."), code="stamp"
            )
        return cleaned
