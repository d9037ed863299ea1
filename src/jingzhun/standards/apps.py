from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "jingzhun.standards"
    verbose_name = _("standard checks")

    def ready(self) -> None:
        from jingzhun.standards import signals  # noqa: F401 - registers the receivers
