from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "amends.cases"
    label = "cases"
    verbose_name = _("Recovery cases")

    def ready(self) -> None:
        # Role groups need every app's permissions, which exist once the last app with models has migrated.
        post_migrate.connect(_ensure_roles, sender=self)


def _ensure_roles(**kwargs: object) -> None:
    from amends.core.services import roles_ensure

    roles_ensure()
