from django.db.models import QuerySet

from amends.core.models import User

from .models import Notification

PAGE = 50


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("case").order_by("-created_at", "-id")[:PAGE]


def notifications_visible_to(user: User) -> QuerySet[Notification]:
    """Everyone's for admins (the back office); a person's own for anyone else."""
    notifications = Notification.objects.select_related("recipient", "case")
    return notifications if user.sees_all_teams else notifications.filter(recipient=user)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
