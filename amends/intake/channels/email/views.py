"""Upload saved emails (.eml) by hand: a customer's mail forwarded to an agent becomes a complaint like any other."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from amends.cases.selectors import team_ids_of
from amends.core.models import Location, User

from .services import EmailOutcome, EmailStatus, email_receive

MAX_FILES = 20
MAX_FILE_BYTES = 25 * 1024 * 1024
STATUS_LABELS = {
    EmailStatus.STORED: gettext_lazy("Stored"),
    EmailStatus.DUPLICATE: gettext_lazy("Already stored before"),
    EmailStatus.IGNORED_AUTOMATIC: gettext_lazy("Ignored: an automatic reply or a bounce"),
    EmailStatus.REJECTED: gettext_lazy("Not stored: the message has no sender address"),
}


def upload_locations(user: User) -> QuerySet[Location]:
    """Where this user may file complaints: their teams' locations (every location for an admin)."""
    locations = Location.objects.order_by("name", "code")
    return locations if user.sees_all_teams else locations.filter(team_id__in=team_ids_of(user))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): cleaned one by one, returned as a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".eml,message/rfc822"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]


class EmlUploadForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.none(), label=gettext_lazy("Location"))
    emails = MultipleFileField(label=gettext_lazy("Email files (.eml)"))

    def __init__(self, *args: Any, locations: QuerySet[Location], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location_field = self.fields["location"]
        assert isinstance(location_field, forms.ModelChoiceField)
        location_field.queryset = locations

    def clean_emails(self) -> list[Any]:
        uploads = self.cleaned_data["emails"]
        if len(uploads) > MAX_FILES:
            raise forms.ValidationError(_("Upload at most %(n)d files at once.") % {"n": MAX_FILES})
        for upload in uploads:
            if (upload.size or 0) > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(mb)d MB.") % {"name": upload.name, "mb": MAX_FILE_BYTES // 2**20}
                )
        return list(uploads)


@login_required
@require_http_methods(["GET", "POST"])
def eml_upload(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    locations = upload_locations(user)
    if not locations.exists():
        raise PermissionDenied(_("You belong to no team with a location, so there is nowhere to file complaints."))
    form = EmlUploadForm(request.POST or None, request.FILES or None, locations=locations)
    results: list[tuple[str, EmailOutcome, str]] = []
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["location"].code
        for upload in form.cleaned_data["emails"]:
            outcome = email_receive(upload.read(), mailbox_location_code=code, mailbox_name="upload")
            results.append((upload.name, outcome, str(STATUS_LABELS[outcome.status])))
    return render(request, "intake/eml_upload.html", {"form": form, "results": results})
