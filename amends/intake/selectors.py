from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from amends.cases.selectors import cases_visible_to, team_ids_of
from amends.core.errors import NotFound
from amends.core.models import User

from .models import Feedback


def feedback_visible_to(user: User) -> QuerySet[Feedback]:
    """A user sees feedback given at their teams' locations, or attached to a case they may see (admins: all)."""
    feedback = Feedback.objects.select_related("customer", "location", "interaction", "case")
    if user.sees_all_teams:
        return feedback
    return feedback.filter(Q(location__team_id__in=team_ids_of(user)) | Q(case__in=cases_visible_to(user)))


def feedback_get_for_user(*, user: User, feedback_id: int) -> Feedback:
    feedback = feedback_visible_to(user).filter(pk=feedback_id).first()
    if feedback is None:
        raise NotFound(_("There is no feedback %(id)s, or you may not see it.") % {"id": feedback_id})
    return feedback
