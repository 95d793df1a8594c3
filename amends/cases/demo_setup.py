"""The demo's SLA calendars and policies and its playbooks: what a hotel-and-delivery business might configure."""

from amends.core.models import BusinessCalendar

from .enums import OPEN_STATUSES
from .models import Case, Playbook, SlaPolicy
from .selectors import playbook_for, playbooks_forget, sla_policies_forget

OFFICE = {day: [["09:00", "12:30"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}
POLICIES = [
    # name, calendar, priority, first response, next response, resolution (minutes), conditions
    ("VIP guests", "Around the clock", 10, 30, 60, 1440, {"segment": "VIP"}),
    ("Letters and email", "Dutch office hours", 50, 240, 480, 4800, {"channel": "email"}),
    ("Standard", "Around the clock", 100, 60, 240, 2880, {}),
]
PLAYBOOKS = [
    ("General", "", "Listen, own it, fix it in this contact if you can. A sincere apology costs nothing.", {}),
    (
        "Late or lost delivery",
        "delivery",
        "Tell them where the parcel is now and when it arrives. Refund the delivery fee; for a lost parcel, "
        "send a replacement at once rather than waiting for the carrier's investigation.",
        {"fix": "Replacement or refund today; a voucher of 10% for the next order fits."},
    ),
    (
        "Room not clean",
        "cleanliness",
        "Offer another room straight away. A free breakfast or late checkout fits; a refund of the night for "
        "a serious case.",
        {"confirm": "Ask which room and what was wrong; look at the photo if there is one."},
    ),
    (
        "Flight delayed or cancelled",
        "delay",
        "Rebook first, explain second. EU261 compensation applies above 3 hours' delay: say so before they ask.",
        {},
    ),
]


def demo_sla_ensure() -> None:
    calendars = {
        "Around the clock": BusinessCalendar.objects.get_or_create(name="Around the clock")[0],
        "Dutch office hours": BusinessCalendar.objects.get_or_create(
            name="Dutch office hours",
            defaults={"timezone": "Europe/Amsterdam", "country": "NL", "hours": OFFICE, "closed_days": ["2026-12-24"]},
        )[0],
    }
    for name, calendar, priority, first, next_, resolution, conditions in POLICIES:
        SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                "calendar": calendars[calendar],
                "priority": priority,
                "first_response_minutes": first,
                "next_response_minutes": next_,
                "resolution_minutes": resolution,
                "conditions": conditions,
            },
        )
    sla_policies_forget()


def demo_playbooks_ensure() -> None:
    """The playbooks, put on the open demo cases that have none (resolved ones were handled before playbooks)."""
    for name, category, guidance, step_guidance in PLAYBOOKS:
        Playbook.objects.get_or_create(
            name=name, defaults={"category": category, "guidance": guidance, "step_guidance": step_guidance}
        )
    playbooks_forget()
    for case in Case.objects.filter(status__in=OPEN_STATUSES, playbook=None):
        case.playbook = playbook_for(category=case.category, severity=case.severity)
        case.save(update_fields=["playbook"])
