from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.errors import DomainError
from amends.core.models import User
from amends.core.services import api_token_create, integration_account_ensure


class Command(BaseCommand):
    help = "Create an API token for a user. The token is printed alone on the last line, once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for USERNAME, or for the integration account NAME.")
        who = create.add_mutually_exclusive_group(required=True)
        who.add_argument("username", nargs="?", help="The person whose token it is.")
        who.add_argument(
            "--integration",
            metavar="NAME",
            help="The service account NAME of a survey tool, PMS or shop system (created when new): intake at every "
            "location and customers' contact details, no teams, sees no case.",
        )
        create.add_argument("--name", default="", help="What the token is for, e.g. 'survey tool'.")

    def handle(self, *args: object, **options: str) -> None:
        user = self._integration(options["integration"]) if options["integration"] else self._person(options)
        if not user.is_active:
            raise CommandError(f"The user {user.username!r} is inactive.")
        raw = api_token_create(user=user, name=options["name"])
        self.stderr.write(f"API token for {user.username} (shown once; store it safely):")
        self.stdout.write(raw)

    @staticmethod
    def _integration(name: str) -> User:
        try:
            return integration_account_ensure(name)
        except DomainError as error:
            raise CommandError(error.message) from error

    @staticmethod
    def _person(options: dict[str, str]) -> User:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        return user
