from django_tasks import task

from .channels.email.imap import mailbox_claim, mailbox_poll


@task()
def poll_mailbox_task(mailbox_id: int) -> int:
    """Read the new messages of one mailbox; returns how many were read.

    Idempotent and safe to run twice at once: the mailbox is claimed with a conditional update (a second worker
    gets nothing to do), and each message is stored once by its Message-ID.
    """
    mailbox = mailbox_claim(mailbox_id)
    if mailbox is None:
        return 0
    return mailbox_poll(mailbox).read
