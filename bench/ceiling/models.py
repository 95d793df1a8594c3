from django.db import models
from django.utils import timezone


class Hit(models.Model):
    """One row per ceiling request: the least a write endpoint can do."""

    note = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Declared, not implicit: type checkers run without AMENDS_BENCH, when this app is not installed.
    objects: models.Manager["Hit"] = models.Manager()

    def __str__(self) -> str:
        return f"hit {self.pk}"
