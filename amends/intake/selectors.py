from django.utils.translation import gettext as _

from amends.cases.selectors import cases_visible_to, team_ids_of
from amends.core.errors import NotFound
from amends.core.models import User

from .models import Feedback


def feedback_get_for_user(*, user: User, feedback_id: int) -> Feedback:
    """A user sees feedback given at their teams' locations, or attached to a case they may see."""
    feedback = (
        Feedback.objects.select_related("customer", "location", "interaction", "case").filter(pk=feedback_id).first()
    )
    visible = feedback is not None and (
        user.sees_all_teams
        or feedback.location.team_id in team_ids_of(user)
        or (feedback.case_id is not None and cases_visible_to(user).filter(pk=feedback.case_id).exists())
    )
    if not visible:
        raise NotFound(_("There is no feedback %(id)s, or you may not see it.") % {"id": feedback_id})
    assert feedback is not None
    return feedback
