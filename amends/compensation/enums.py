from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.cases.enums import RecoveryOutcome


class GestureType(models.TextChoices):
    REFUND = "refund", _("Refund")  # the whole price back
    PARTIAL_REFUND = "partial_refund", _("Partial refund")  # part of the price back
    REPLACEMENT = "replacement", _("Replacement")  # the product or service again, at our cost
    VOUCHER = "voucher", _("Voucher")  # a code worth an amount on a next purchase
    DISCOUNT = "discount", _("Discount")  # a lower price on a next purchase
    UPGRADE = "upgrade", _("Upgrade")  # a better room, seat or service
    GIFT = "gift", _("Gift")  # something extra: flowers, a bottle, a dessert
    WAIVED_FEE = "waived_fee", _("Waived fee")  # a charge taken off
    LOYALTY_POINTS = "loyalty_points", _("Loyalty points")  # points on the customer's account
    APOLOGY_ONLY = "apology_only", _("Apology only")  # a sincere apology, nothing paid


# Gestures paid out as money: a refund is marked for payment when chosen; the others are issued or arranged.
PAID_OUT = (GestureType.REFUND, GestureType.PARTIAL_REFUND, GestureType.WAIVED_FEE)


def recovery_outcome_of(gesture_type: str) -> RecoveryOutcome:
    """What a gesture counts as among recovery outcomes (analytics applies the same rule in SQL to a case's ledger)."""
    if gesture_type in PAID_OUT:
        return RecoveryOutcome.MONETARY_RELIEF
    if gesture_type == GestureType.APOLOGY_ONLY:
        return RecoveryOutcome.EXPLANATION
    return RecoveryOutcome.NON_MONETARY_RELIEF


class OfferStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")  # above the offerer's limit
    OFFERED = "offered", _("Offered")  # the customer has the link and may choose
    CHOSEN = "chosen", _("Chosen")  # the customer chose; the gesture is on the ledger
    REJECTED = "rejected", _("Rejected")  # an approver said no
    EXPIRED = "expired", _("Expired")  # the customer did not choose in time


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")  # the offer goes to the customer as it is
    CHANGE = "change", _("Change")  # the offer goes out with no alternative above the approver's amount
    REJECT = "reject", _("Reject")  # the offer does not go out


class Fulfilment(models.TextChoices):
    ISSUED = "issued", _("Issued")  # a voucher code or points given, or nothing to do (apology)
    TO_PAY = "to_pay", _("To be paid")  # money owed to the customer: finance pays it
    TO_ARRANGE = "to_arrange", _("To be arranged")  # staff arrange it (replacement, upgrade, gift)
    CORRECTION = "correction", _("Correction")  # a ledger entry that corrects an earlier one
