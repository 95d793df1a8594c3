import time

from django.core.management.base import BaseCommand, CommandParser
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from amends.analytics.tasks import analytics_refresh_task, refresh_due, summaries_due, weekly_summaries_task
from amends.cases.tasks import case_messages_stalled_task, reopen_window_sweep_task, sla_sweep_task
from amends.compensation.tasks import offers_expire_task
from amends.core.tasks import requeue_stale_tasks
from amends.followups.tasks import follow_up_sweep_task
from amends.intake.models import Mailbox
from amends.intake.tasks import poll_mailbox_task
from amends.notifications.tasks import outbox_sweep_task
from amends.privacy.tasks import retention_due, retention_erase_task
from amends.surveys.tasks import invitation_reminders_task, invitations_due_task


class Command(BaseCommand):
    help = (
        "Queue the periodic work for the workers every --interval seconds: mailbox polls, survey invitations "
        "and reminders, SLA escalations, closing cases after their reopen window, follow-ups after resolution, "
        "expiring offers, giving up on emails whose worker died while sending them, refreshing the analytics facts "
        "every AMENDS_ANALYTICS_REFRESH_MINUTES and, once they cover the last complete week, its summary email to the "
        "CX managers; hourly, with AMENDS_RETENTION_MONTHS set, erasing the customers inactive that long. "
        "Safe to run on several machines: each task claims its rows, so nothing is done twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One round, then exit (for cron).")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between rounds (default 60).")

    def handle(self, *args: object, once: bool = False, interval: int = 60, **options: object) -> None:
        while True:
            queued = self.sweep()
            self.stdout.write(f"queued {queued} task(s)")
            if once:
                return
            time.sleep(max(1, interval))

    def sweep(self) -> int:
        if isinstance(task_backends["default"], DatabaseBackend):
            requeued = requeue_stale_tasks()
            if requeued:
                self.stdout.write(f"requeued {requeued} task(s) whose worker died")
        mailboxes = list(Mailbox.objects.filter(is_active=True).values_list("pk", flat=True))
        for mailbox_id in mailboxes:
            poll_mailbox_task.enqueue(mailbox_id)
        invitations_due_task.enqueue()
        invitation_reminders_task.enqueue()
        sla_sweep_task.enqueue()
        reopen_window_sweep_task.enqueue()
        follow_up_sweep_task.enqueue()
        offers_expire_task.enqueue()
        outbox_sweep_task.enqueue()
        case_messages_stalled_task.enqueue()
        refreshing = refresh_due()
        if refreshing:
            analytics_refresh_task.enqueue()
        summarising = summaries_due()
        if summarising:
            weekly_summaries_task.enqueue()
        retaining = retention_due()
        if retaining:
            retention_erase_task.enqueue()
        return len(mailboxes) + 8 + refreshing + summarising + retaining
