from django.core.cache import cache
from django_tasks import task

from .services import RETENTION_BATCH, retention_cutoff, retention_erase

RETENTION_CLAIM = "amends:privacy:retention"
RETENTION_EVERY_SECONDS = 3600


def retention_due() -> bool:
    """For the sweeper: retention is on and nobody queued its run this hour. `cache.add` is atomic in the shared
    cache, so several sweepers queue it once."""
    return retention_cutoff() is not None and cache.add(RETENTION_CLAIM, 1, timeout=RETENTION_EVERY_SECONDS)


@task()
def retention_erase_task() -> int:
    """Erase the customers inactive for AMENDS_RETENTION_MONTHS (a batch); returns how many. Idempotent."""
    erased = retention_erase()
    if erased >= RETENTION_BATCH:
        cache.delete(RETENTION_CLAIM)  # more are waiting: the next sweep queues the next batch
    return erased
