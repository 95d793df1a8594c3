from django.utils.translation import gettext as _

from amends.cases.selectors import team_ids_of
from amends.core.errors import NotFound
from amends.core.models import User

from .models import Feedback


def feedback_get_for_user(*, user: User, feedback_id: int) -> Feedback:
    """A user sees feedback given at their teams' locations, or attached to a case they may see."""
    feedback = (
        Feedback.objects.select_related("customer", "location", "interaction", "case").filter(pk=feedback_id).first()
    )
    if feedback is None or not (user.sees_all_teams or _sees(user, feedback)):
        raise NotFound(_("There is no feedback %(id)s, or you may not see it.") % {"id": feedback_id})
    return feedback


def _sees(user: User, feedback: Feedback) -> bool:
    """The same gate as cases_visible_to, on rows already loaded: the user's teams, or a case they own."""
    teams = team_ids_of(user)
    case = feedback.case
    return feedback.location.team_id in teams or (
        case is not None and (case.team_id in teams or case.owner_id == user.pk)
    )
