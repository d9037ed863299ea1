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


class Sector(models.TextChoices):  # 行业部门
    EDUCATION = "education", _("education bureau")
    MEDICAL_INSURANCE = "medical_insurance", _("medical insurance bureau")
    HOUSING = "housing", _("housing and construction bureau")
    WATER = "water", _("water resources bureau")
    CIVIL_AFFAIRS = "civil_affairs", _("civil affairs bureau")
    HUMAN_RESOURCES = "human_resources", _("human resources and social security bureau")
    DISABLED_PERSONS = "disabled_persons", _("disabled persons' federation")


#: The items of the standard each sector answers for: a department user sees the findings (and later the
#: problems) of these items only. 残联 answers for the education of disabled children (送教上门) and their
#: medical assistance; 民政 for food, clothing and the minimum-living allowances behind income and monitoring.
SECTOR_ITEMS: dict[str, frozenset[str]] = {
    Sector.EDUCATION: frozenset({"education"}),
    Sector.MEDICAL_INSURANCE: frozenset({"medical"}),
    Sector.HOUSING: frozenset({"housing"}),
    Sector.WATER: frozenset({"water"}),
    Sector.CIVIL_AFFAIRS: frozenset({"food", "clothing", "income", "monitoring"}),
    Sector.HUMAN_RESOURCES: frozenset({"income"}),
    Sector.DISABLED_PERSONS: frozenset({"education", "medical"}),
}


class Permission(models.TextChoices):  # 权限
    VIEW_REGISTRY = "view_registry", _("view the registry")
    VIEW_PERSONAL_DATA = "view_personal_data", _("reveal full ID and phone numbers")
    EDIT_REGISTRY = "edit_registry", _("edit the registry")
    RUN_CHECKS = "run_checks", _("run the standard's checks")
    MANAGE_USERS = "manage_users", _("manage users")
    MANAGE_PROBLEMS = "manage_problems", _("assign problems and enter them by hand")
    RECTIFY_PROBLEMS = "rectify_problems", _("rectify problems with evidence")
    VERIFY_PROBLEMS = "verify_problems", _("verify, close and reject problems")
    MANAGE_CAMPAIGNS = "manage_campaigns", _("set up verification campaigns, draw samples, assign checkers")
    VERIFY_HOUSEHOLDS = "verify_households", _("verify households in the field")


#: The permission table a new database starts with (seeded by migration; afterwards the FunctionPermission rows,
#: editable in the admin, are what counts).
DEFAULT_PERMISSIONS: dict[str, frozenset[str]] = {
    Function.ADMINISTRATOR: frozenset(Permission.values),
    Function.DATA_OFFICER: frozenset(
        {
            "view_registry",
            "view_personal_data",
            "edit_registry",
            "run_checks",
            "manage_problems",
            "rectify_problems",
            "verify_problems",
            "manage_campaigns",
            "verify_households",
        }
    ),
    # A checker (town office, work team) assigns down, rectifies and verifies the level below, and verifies
    # households in the field.
    Function.CHECKER: frozenset(
        {"view_registry", "manage_problems", "rectify_problems", "verify_problems", "verify_households"}
    ),
    Function.VIEWER: frozenset({"view_registry"}),
}


def ensure_default_permissions(model) -> int:
    """Grant the default permissions that are missing (``model``: FunctionPermission or its migration state).

    Never revokes anything: an office may have granted more in the admin. Returns how many rows were created.
    """
    created = 0
    for function, permissions in DEFAULT_PERMISSIONS.items():
        for permission in sorted(permissions):
            created += model.objects.get_or_create(function=function, permission=permission)[1]
    return created


class FunctionPermission(models.Model):  # 职能权限
    """One row per (function, permission) granted: the permission table is data, not code."""

    function = models.CharField(_("function"), max_length=16, choices=Function.choices)
    permission = models.CharField(_("permission"), max_length=24, choices=Permission.choices)

    class Meta:
        verbose_name = _("function permission")
        verbose_name_plural = _("function permissions")
        ordering = ["function", "permission"]
        constraints = [models.UniqueConstraint(fields=["function", "permission"], name="function_permission_once")]

    def __str__(self) -> str:
        return f"{self.function}: {self.permission}"


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
    # A department user (教育、医保、住建、水利、民政、人社、残联) is bound to a region and a sector.
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def level(self) -> str | None:
        if self.sector:
            return "department"
        return regions.level_of(self.region_id) if self.region_id else None

    @property
    def sector_items(self) -> frozenset[str] | None:
        """The items of the standard a department user answers for; None for everyone else (all items)."""
        return SECTOR_ITEMS.get(self.sector) if self.sector else None

    def has_function_permission(self, permission: str) -> bool:
        """Whether the user's function grants ``permission`` (superusers hold every permission).

        The function's permissions are read from the table once per user object (once per request), not once
        per question: pages ask for every row they mask.
        """
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        granted = self.__dict__.get("_granted")
        if granted is None:
            granted = self.__dict__["_granted"] = frozenset(
                FunctionPermission.objects.filter(function=self.function).values_list("permission", flat=True)
            )
        return permission in granted

    @property
    def can_view_personal_data(self) -> bool:
        return self.has_function_permission("view_personal_data")
