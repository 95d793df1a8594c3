import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.intake.channels.email.imap import PollResult, mailbox_claim, mailbox_poll
from amends.intake.models import Mailbox
from amends.intake.tasks import poll_mailbox_task


class Command(BaseCommand):
    help = (
        "Poll every active IMAP mailbox: queue one poll per mailbox for the workers every --interval seconds, "
        "or with --once a single round (for cron). With --inline the polls run here instead of in a worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One round, then exit.")
        parser.add_argument("--inline", action="store_true", help="Poll in this process, not through the queue.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between rounds (default 60).")

    def handle(self, *args: object, once: bool = False, inline: bool = False, interval: int = 60, **options: object):
        while True:
            failures = self.poll_round(inline=inline)
            if once:
                if failures:
                    raise CommandError(f"{failures} mailbox(es) could not be read; see above.")
                return
            time.sleep(max(1, interval))

    def poll_round(self, *, inline: bool) -> int:
        failures = 0
        for mailbox_id, name in Mailbox.objects.filter(is_active=True).values_list("pk", "name"):
            if not inline:
                poll_mailbox_task.enqueue(mailbox_id)
                self.stdout.write(f"{name}: poll queued")
                continue
            mailbox = mailbox_claim(mailbox_id)
            if mailbox is None:
                self.stdout.write(f"{name}: another poll is running or just ran; skipped")
                continue
            result = mailbox_poll(mailbox)
            failures += bool(result.error)
            self.stdout.write(f"{name}: {describe(result)}")
        return failures


def describe(result: PollResult) -> str:
    counts = ", ".join(f"{count} {status}" for status, count in sorted(result.outcomes.items()))
    summary = f"{result.read} new message(s)" + (f" ({counts})" if counts else "")
    return f"{summary}; error: {result.error}" if result.error else summary
