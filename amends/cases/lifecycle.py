"""Which status may follow which, and what counts as first-contact resolution. Pure, no database."""

from .enums import CaseStatus

# Resolving needs a root cause (the resolve action) and reopening needs a reason (the reopen action); every other
# move between open statuses is free. A resolved case closes when its reopen window ends, or earlier by hand.
MOVES: dict[str, frozenset[str]] = {
    CaseStatus.NEW: frozenset({CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER}),
    CaseStatus.ACKNOWLEDGED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.ACKNOWLEDGED, CaseStatus.WAITING_ON_CUSTOMER}),
    CaseStatus.WAITING_ON_CUSTOMER: frozenset({CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}
# Moving to one of these tells the customer someone is on it: it is the first response if there was none.
RESPONDING = frozenset({CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_ON_CUSTOMER})
REOPENABLE = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})


def can_move(current: str, to: str) -> bool:
    return to in MOVES.get(current, frozenset())


def first_contact_resolution(*, status: str, contacts: int, transfers: int, reopens: int) -> bool | None:
    """Resolved in the customer's first contact, never transferred, never reopened; None while still open."""
    if status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return None
    return contacts <= 1 and transfers == 0 and reopens == 0
