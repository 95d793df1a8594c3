from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from zoneinfo import available_timezones

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .cache import TtlCache
from .clock import InvalidHours, check_region, parse_intervals, parse_week
from .enums import Role
from .errors import DomainError, ErrorCode
from .models import ApiToken, BusinessCalendar, Location, Team, User, hash_token

# Which model permissions (for the Django admin) each role gets; admins get all of the project's apps.
# Supervisors' views are scoped to their teams in the back office as in the app (amends.core.backoffice).
ROLE_PERMISSIONS = {
    Role.AGENT: ["view_customer", "view_interaction", "view_feedback", "view_case", "view_caseevent"],
    Role.SUPERVISOR: [
        "view_customer",
        "view_interaction",
        "view_feedback",
        "view_case",
        "view_caseevent",
        "change_case",
        "view_location",
        "add_location",
        "change_location",
        "view_team",
    ],
    Role.INTEGRATION: [],  # a service account: the API only, no back office
}
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def admin_app_labels() -> list[str]:
    """The project's own apps: admins configure all of them (whatever the README sends them to the back office for);
    and the login lockouts (django-axes), so an admin can let a locked-out colleague in again."""
    return [config.label for config in apps.get_app_configs() if config.name.startswith("amends.")] + ["axes"]


def roles_ensure() -> None:
    """Create the role groups and give them their permissions; safe to run again (it runs after every migrate)."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        if role == Role.ADMIN:
            perms = Permission.objects.filter(content_type__app_label__in=admin_app_labels())
        else:
            perms = Permission.objects.filter(codename__in=ROLE_PERMISSIONS.get(role, []))
        group.permissions.set(perms)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: Role,
    teams: Sequence[Team] = (),
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    language: str = "",
) -> User:
    group, _created = Group.objects.get_or_create(name=role.value)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        # Supervisors and admins use the Django admin for back-office data.
        is_staff=role in (Role.SUPERVISOR, Role.ADMIN),
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(group)
    for team in teams:
        team.members.add(user)
    return user


@transaction.atomic
def integration_account_ensure(username: str) -> User:
    """The service account of an integration (survey tool, PMS, shop system), created when new.

    It has the role integration and nothing else: no teams, no password (it cannot log in to the pages), not staff.
    An existing user of another role is refused rather than turned into one.
    """
    user = User.objects.filter(username=username).first()
    if user is None:
        return user_create(username=username, password=None, role=Role.INTEGRATION)
    if user.role_names != {Role.INTEGRATION.value} or user.is_superuser or user.is_staff:
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("%(name)s is a person's account, not an integration account.") % {"name": username},
            field="username",
            status=409,
        )
    return user


def api_token_create(*, user: User, name: str = "") -> str:
    """Store a new token's hash and return the raw token: it is shown this once and never again."""
    raw = ApiToken.generate()
    ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=hash_token(raw))
    return raw


# Who a token belongs to, remembered per process: a revoked token stops working within this many seconds.
TOKEN_CACHE_SECONDS = 30
_token_users: TtlCache[User] = TtlCache(ttl=TOKEN_CACHE_SECONDS)


def api_token_known(raw: str) -> User | None:
    """The user of a token this process checked within the last TOKEN_CACHE_SECONDS, without asking the database."""
    return _token_users.get(hash_token(raw))


def api_token_authenticate(raw: str) -> User | None:
    key_hash = hash_token(raw)
    cached = _token_users.get(key_hash)
    if cached is not None:
        return cached
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write on every request would halve the intake rate.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    _token_users.put(key_hash, token.user)
    return token.user


def api_token_revoke(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _token_users.discard(token.key_hash)


def location_create(*, code: str, name: str, country: str, timezone_name: str, team: Team | None = None) -> Location:
    try:
        # The unique code decides, even between two requests at once.
        with transaction.atomic():
            return Location.objects.create(
                code=code, name=name, country=country.upper(), timezone=timezone_name, team=team
            )
    except IntegrityError as exc:
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("A location with the code %(code)s already exists.") % {"code": code},
            field="code",
            status=409,
        ) from exc


def calendar_fields_checked(
    *,
    timezone_name: str,
    country: str | None,
    subdivision: str | None,
    hours: Mapping[str, object],
    closed_days: Sequence[str],
    special_hours: Mapping[str, object],
) -> dict:
    """Check a calendar as a person wrote it; each mistake names its field."""
    if timezone_name not in available_timezones():
        raise DomainError(
            ErrorCode.INVALID_VALUE,
            _("%(zone)s is not a time zone; use a name like Europe/Amsterdam.") % {"zone": timezone_name},
            field="timezone",
        )
    country, subdivision = (country or "").upper(), (subdivision or "").upper()
    for field, region in (("country", (country, "")), ("subdivision", (country, subdivision))):
        try:
            check_region(region[0] or None, region[1] or None)
        except InvalidHours as exc:
            name = "-".join(filter(None, region))
            raise DomainError(
                ErrorCode.INVALID_VALUE,
                _("No public holidays are known for %(region)s.") % {"region": name},
                field=field,
            ) from exc
    try:
        parse_week(hours)
    except InvalidHours as exc:
        message = _("Weekly hours: %(problem)s") % {"problem": exc}
        raise DomainError(ErrorCode.INVALID_VALUE, message, field="hours") from exc
    days = [_iso_day(value, field="closed_days") for value in closed_days]
    special: dict[str, list] = {}
    for value, intervals in special_hours.items():
        day = _iso_day(value, field="special_hours")
        try:
            parse_intervals(intervals)
        except InvalidHours as exc:
            raise DomainError(
                ErrorCode.INVALID_VALUE,
                _("Special hours of %(day)s: %(problem)s") % {"day": day, "problem": exc},
                field="special_hours",
            ) from exc
        special[day.isoformat()] = [list(pair) for pair in intervals]  # type: ignore[attr-defined]
    return {
        "timezone": timezone_name,
        "country": country,
        "subdivision": subdivision,
        "hours": {day: [list(pair) for pair in pairs] for day, pairs in hours.items()},  # type: ignore[attr-defined]
        "closed_days": sorted({day.isoformat() for day in days}),
        "special_hours": special,
    }


def _iso_day(value: object, *, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise DomainError(
            ErrorCode.INVALID_VALUE, _("%(value)s is not a date like 2026-12-24.") % {"value": value}, field=field
        ) from exc


def calendar_create(
    *,
    name: str,
    timezone_name: str = "UTC",
    country: str | None = None,
    subdivision: str | None = None,
    hours: Mapping[str, object] | None = None,
    closed_days: Sequence[str] = (),
    special_hours: Mapping[str, object] | None = None,
) -> BusinessCalendar:
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.MISSING_FIELD, _("Give the calendar a name."), field="name")
    fields = calendar_fields_checked(
        timezone_name=timezone_name,
        country=country,
        subdivision=subdivision,
        hours=hours or {},
        closed_days=closed_days,
        special_hours=special_hours or {},
    )
    try:
        with transaction.atomic():
            return BusinessCalendar.objects.create(name=name, **fields)
    except IntegrityError as exc:
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("A calendar named %(name)s already exists.") % {"name": name},
            field="name",
            status=409,
        ) from exc


def user_weekly_summary_update(*, user: User, enabled: bool) -> None:
    """Turn the Monday summary email on or off for a supervisor or admin."""
    if not user.supervises:
        raise DomainError(ErrorCode.FORBIDDEN, _("The weekly summary is for supervisors and admins."))
    user.weekly_summary = enabled
    user.save(update_fields=["weekly_summary"])
