"""Who may import registry files from the web, and which imports a user may see (another region's answers 404).

County and town officers import: the ``edit_registry`` right and a region at town level or above (a village cadre
edits households one by one). An import changes only the importer's subtree; it is visible to users who may import
and whose region contains the importer's.
"""

from __future__ import annotations

from django.http import Http404

from jingzhun.importer.models import RegistryImport
from jingzhun.registry import regions
from jingzhun.registry.access import scope_code

IMPORT_LEVELS = ("province", "city", "county", "town")  # levels whose officers may import files


def can_import(user) -> bool:
    """Whether ``user`` may upload registry files (superusers may always)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.region_id or not user.has_function_permission("edit_registry"):
        return False
    return regions.level_of(user.region_id) in IMPORT_LEVELS


def import_scope(user) -> str | None:
    """The region code an import by ``user`` is limited to; None for a superuser without a region (no limit)."""
    code = scope_code(user)
    return code or None


def imports_for(user):
    """Imports ``user`` may see: those limited to their subtree (a superuser sees all)."""
    if not can_import(user):
        return RegistryImport.objects.none()
    code = scope_code(user)
    if code == "":
        return RegistryImport.objects.all()
    # A range scan of the import_scope_created index.
    return RegistryImport.objects.filter(scope__range=regions.subtree_bounds(code))


def get_import_for_user(user, pk: int) -> RegistryImport:
    """Return the import if ``user`` may see it, else raise Http404."""
    try:
        return imports_for(user).get(pk=pk)
    except RegistryImport.DoesNotExist:
        raise Http404("import not found") from None
