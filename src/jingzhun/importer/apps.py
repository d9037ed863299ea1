from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImporterConfig(AppConfig):
    name = "jingzhun.importer"
    label = "importer"
    verbose_name = _("Registry imports")
    default_auto_field = "django.db.models.BigAutoField"
