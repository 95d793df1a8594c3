from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.errors import DomainError
from amends.core.models import User
from amends.customers.models import Customer
from amends.privacy.enums import ErasureVia
from amends.privacy.services import customer_erase


class Command(BaseCommand):
    help = (
        "Erase one customer's personal data: contact details, external id (a pseudonym replaces it), free texts, "
        "attachments. Numbers, dates and the ledger's amounts stay. Recorded on the audit trail with --reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("external_id", help="The customer's external id.")
        parser.add_argument("--reason", required=True, help="Why, for the audit trail (e.g. the customer asked).")
        parser.add_argument("--by", help="The admin's username, recorded as who erased it.")

    def handle(self, *args: object, external_id: str, reason: str, by: str | None = None, **options: object) -> None:
        customer = Customer.objects.filter(external_id=external_id).first()
        if customer is None:
            raise CommandError(f"There is no customer {external_id!r}.")
        admin = None
        if by:
            admin = User.objects.filter(username=by, is_active=True).first()
            if admin is None:
                raise CommandError(f"There is no active user {by!r}.")
        try:
            record = customer_erase(customer=customer, by=admin, reason=reason, via=ErasureVia.COMMAND)
        except DomainError as error:
            raise CommandError(error.message) from error
        counts = ", ".join(f"{name} {count}" for name, count in record.counts.items() if count)
        self.stdout.write(f"Erased; the customer is now {record.pseudonym} ({counts}).")
