from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "amends.cases"
    label = "cases"
    verbose_name = _("Recovery cases")

    def ready(self) -> None:
        post_migrate.connect(_ensure_roles, dispatch_uid="amends.roles_ensure")


def _ensure_roles(app_config: AppConfig, **kwargs: object) -> None:
    """Role groups need every app's permissions, which exist once the last app with models has had its
    post_migrate (Django creates them there): so after every `amends migrate` existing databases get new ones."""
    from amends.core.services import roles_ensure

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is with_models[-1]:
        roles_ensure()
