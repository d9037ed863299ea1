from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jingzhun.core"
    verbose_name = _("core")

    def ready(self) -> None:
        from jingzhun.core import checks  # noqa: F401 - registers the system checks
