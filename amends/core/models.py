import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import Language, Role
from .text import single_line


class Team(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    email = models.EmailField(_("team email"), blank=True, help_text=_("Alerts go here as well as to members."))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=Language.choices,
        blank=True,
        help_text=_("Empty: follow the browser's language."),
    )
    weekly_summary = models.BooleanField(
        _("weekly summary"), default=True, help_text=_("Supervisors and admins: the week in recovery, every Monday.")
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def has_role(self, role: Role) -> bool:
        if self.is_superuser:
            return True
        return role.value in self.role_names

    @property
    def role_names(self) -> set[str]:
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = set(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return cached

    @property
    def supervises(self) -> bool:
        """A supervisor or an admin (or a superuser): who overrides, approves and manages the shared setup."""
        return self.has_role(Role.SUPERVISOR) or self.has_role(Role.ADMIN)

    @property
    def sees_all_teams(self) -> bool:
        return self.is_superuser or Role.ADMIN.value in self.role_names

    @property
    def is_integration(self) -> bool:
        """A service account (survey tool, PMS, shop system): intake everywhere, but it sees no case."""
        return Role.INTEGRATION.value in self.role_names

    @property
    def intake_everywhere(self) -> bool:
        """Admins and integration accounts: intake at every location, for any customer, with contact details."""
        return self.sees_all_teams or self.is_integration


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, help_text=_("The first characters, to recognise a token."))
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> str:
        return "amd_" + secrets.token_urlsafe(32)


class IdempotencyRecord(models.Model):
    """The first answer to a request with an Idempotency-Key, replayed for retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    scope = models.CharField(max_length=100)  # which operation, e.g. "feedback.create"
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class Location(models.Model):
    """A touchpoint where service happens: a store, a hotel, a flight route, a web shop."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. NL."))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="locations",
        verbose_name=_("team"),
        help_text=_("Recovery cases at this location go to this team."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class BusinessCalendar(models.Model):
    """Opening hours in a time zone, with public holidays and closed days: SLA clocks only run while it is open.

    Stored in the API's own shape (core/clock.py reads it): `hours` {"mon": [["09:00", "17:00"]], ...} (no hours at
    all: 24/7), `closed_days` ["2026-12-24"], `special_hours` {"2026-12-31": [["09:00", "13:00"]]}.
    """

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[single_line])
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC")
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("Public holidays of, e.g. NL."))
    subdivision = models.CharField(_("subdivision"), max_length=10, blank=True, help_text=_("For example BY."))
    hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    closed_days = models.JSONField(_("closed days"), default=list, blank=True)
    special_hours = models.JSONField(_("special opening hours"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")

    def __str__(self) -> str:
        return self.name
