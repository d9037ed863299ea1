"""Users: each is bound to one region and has one function; what they may do follows from both."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.registry import regions


class Function(models.TextChoices):  # 职能
    ADMINISTRATOR = "administrator", _("administrator")
    DATA_OFFICER = "data_officer", _("data officer")
    CHECKER = "checker", _("checker")
    VIEWER = "viewer", _("viewer")


#: What each function may do. Personal data (full ID and phone numbers) is shown only with "view_personal_data".
PERMISSIONS: dict[str, frozenset[str]] = {
    Function.ADMINISTRATOR: frozenset(
        {"view_registry", "view_personal_data", "edit_registry", "manage_users", "run_checks"}
    ),
    Function.DATA_OFFICER: frozenset({"view_registry", "view_personal_data", "edit_registry", "run_checks"}),
    Function.CHECKER: frozenset({"view_registry"}),
    Function.VIEWER: frozenset({"view_registry"}),
}


class User(AbstractUser):
    """A person who signs in; sees only the subtree of ``region``."""

    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    function = models.CharField(_("function"), max_length=16, choices=Function.choices, default=Function.VIEWER)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def level(self) -> str | None:
        return regions.level_of(self.region_id) if self.region_id else None

    def has_function_permission(self, permission: str) -> bool:
        """Whether the user's function grants ``permission`` (superusers hold every permission)."""
        if not self.is_active:
            return False
        return self.is_superuser or permission in PERMISSIONS.get(self.function, frozenset())

    @property
    def can_view_personal_data(self) -> bool:
        return self.has_function_permission("view_personal_data")
