from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the background task worker for the configured queue (database by default, Redis when REDIS_URL is set)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true", help="Process what is queued, then exit.")

    def handle(self, *args: object, burst: bool = False, **options: object) -> None:
        if settings.REDIS_URL:
            call_command("rqworker", "default", burst=burst, with_scheduler=not burst)
        else:
            extra = ["--batch"] if burst else []
            call_command("db_worker", "--no-startup-delay", "--interval", "0.5", *extra)
