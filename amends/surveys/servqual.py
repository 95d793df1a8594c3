"""The SERVQUAL instrument in our own words: 22 short statements over the five dimensions (tangibles, reliability,
responsiveness, assurance, empathy), each rated twice on 1-7: what an excellent company in this trade offers, and
what this place delivered; plus 100 importance points shared over the dimensions."""

from django.utils.translation import gettext_lazy as _

from amends.analytics.stats import SERVQUAL_DIMENSIONS, SERVQUAL_ITEM_DIMENSION

ITEMS = (
    _("Modern, up-to-date equipment"),
    _("Attractive, well-kept premises"),
    _("Staff who look neat and professional"),
    _("Clear, appealing information (signs, leaflets, statements)"),
    _("Doing what was promised by the time promised"),
    _("Real interest in solving your problem"),
    _("Getting it right the first time"),
    _("Service delivered at the time promised"),
    _("Records and bills without errors"),
    _("Telling you exactly when things will happen"),
    _("Prompt service"),
    _("Staff who are always willing to help"),
    _("Staff never too busy to answer your requests"),
    _("Staff whose behaviour inspires confidence"),
    _("Feeling safe in your dealings with them"),
    _("Staff who are courteous every time"),
    _("Staff who know enough to answer your questions"),
    _("Individual attention"),
    _("Opening hours that suit you"),
    _("Staff who give you personal attention"),
    _("Having your best interests at heart"),
    _("Understanding your specific needs"),
)
DIMENSIONS = {
    "tangibles": _("How it looks: premises, equipment, staff and information"),
    "reliability": _("Reliability: doing what was promised, dependably and accurately"),
    "responsiveness": _("Responsiveness: willingness to help, and prompt service"),
    "assurance": _("Assurance: knowledgeable, courteous staff you can trust"),
    "empathy": _("Empathy: caring, individual attention"),
}
DIMENSION_NAMES = {
    "tangibles": _("Tangibles"),
    "reliability": _("Reliability"),
    "responsiveness": _("Responsiveness"),
    "assurance": _("Assurance"),
    "empathy": _("Empathy"),
}
SCALE = range(1, 8)  # 1: strongly disagree, 7: strongly agree
IMPORTANCE_POINTS = 100

assert len(ITEMS) == len(SERVQUAL_ITEM_DIMENSION) and tuple(DIMENSIONS) == SERVQUAL_DIMENSIONS
