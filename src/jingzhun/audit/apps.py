from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jingzhun.audit"
    verbose_name = _("audit log")

    def ready(self) -> None:
        from jingzhun.audit import registry, signals  # noqa: F401 - records logins and registry changes
