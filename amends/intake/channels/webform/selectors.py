from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from amends.cases.selectors import case_get_for_user
from amends.core.errors import DomainError, NotFound
from amends.core.models import Location, User
from amends.core.selectors import locations_visible_to
from amends.customers.services import location_by_code
from amends.intake.models import FeedbackAttachment


def public_location(code: str) -> Location | None:
    """The location a printed code points at, or None: the public page then answers 404."""
    try:
        return location_by_code(code)
    except DomainError:
        return None


def public_form_url(location: Location) -> str:
    """The absolute address of the location's complaint form, as printed under its QR code."""
    return settings.AMENDS_BASE_URL.rstrip("/") + reverse("webform:complaint", kwargs={"code": location.code})


def locations_for_staff(user: User) -> QuerySet[Location]:
    """The locations of the user's teams (admins: all); another team's touchpoints stay out of sight."""
    return locations_visible_to(user).order_by("name", "code")


def location_for_staff(*, user: User, code: str) -> Location:
    location = locations_for_staff(user).filter(code=code).first()
    if location is None:
        raise NotFound(_("There is no location with the code %(code)s.") % {"code": code})
    return location


def attachment_get_for_user(*, user: User, attachment_id: int) -> FeedbackAttachment:
    """A customer's file, for the users who may see the case it belongs to; a plain 404 for anyone else."""
    hidden = NotFound(_("There is no attachment %(id)s, or you may not see it.") % {"id": attachment_id})
    attachment = FeedbackAttachment.objects.select_related("feedback").filter(pk=attachment_id).first()
    if attachment is None or attachment.feedback.case_id is None:
        raise hidden
    try:
        case_get_for_user(user=user, case_id=attachment.feedback.case_id)
    except NotFound as exc:
        raise hidden from exc
    return attachment
