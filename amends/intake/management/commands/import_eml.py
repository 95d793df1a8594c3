from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.errors import DomainError
from amends.customers.services import location_by_code
from amends.intake.channels.email.services import EmailOutcome, email_receive


class Command(BaseCommand):
    help = "Store saved emails (.eml files) as complaints, as if they had arrived in the support mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="One or more .eml files.")
        parser.add_argument("--location", required=True, help="Code of the location the complaints are about.")

    def handle(self, *args: object, files: list[Path], location: str, **options: object) -> None:
        try:
            location_by_code(location)
        except DomainError as error:
            raise CommandError(error.message) from error
        unreadable = 0
        for path in files:
            try:
                raw = path.read_bytes()
            except OSError as error:
                unreadable += 1
                self.stderr.write(f"{path}: cannot be read ({error.strerror or error})")
                continue
            outcome = email_receive(raw, mailbox_location_code=location, mailbox_name="upload")
            self.stdout.write(f"{path}: {describe(outcome)}")
        if unreadable:
            raise CommandError(f"{unreadable} file(s) could not be read.")


def describe(outcome: EmailOutcome) -> str:
    if outcome.feedback_id is not None:
        return f"{outcome.status} as feedback {outcome.feedback_id} on case {outcome.case_id}"
    return f"{outcome.status} {outcome.reason}".strip()
