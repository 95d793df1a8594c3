from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.models import User
from amends.core.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user. The token is printed alone on the last line, once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for USERNAME.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for, e.g. 'survey tool'.")

    def handle(self, *args: object, **options: str) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"The user {user.username!r} is inactive.")
        raw = api_token_create(user=user, name=options["name"])
        self.stderr.write(f"API token for {user.username} (shown once; store it safely):")
        self.stdout.write(raw)
