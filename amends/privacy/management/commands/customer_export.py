from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.customers.models import Customer
from amends.privacy.selectors import customer_export_json


class Command(BaseCommand):
    help = (
        "Print everything stored about one customer as JSON (UTF-8, ISO 8601 times), or write it to --output. "
        "Attachments are listed with name, size and SHA-256, not embedded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("external_id", help="The customer's external id.")
        parser.add_argument("--output", "-o", help="Write the JSON to this file instead of printing it.")

    def handle(self, *args: object, external_id: str, output: str | None = None, **options: object) -> None:
        customer = Customer.objects.filter(external_id=external_id).first()
        if customer is None:
            raise CommandError(f"There is no customer {external_id!r}.")
        document = customer_export_json(customer)
        if output:
            Path(output).write_text(document + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {output}.")
        else:
            self.stdout.write(document)
