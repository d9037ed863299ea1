"""A household's change history, as a fragment its page loads (scoped like the household itself)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jingzhun.audit.models import AuditEntry
from jingzhun.registry import masking
from jingzhun.registry.access import get_household_for_user
from jingzhun.registry.models import IncomeRecord, Person

PERSONAL = {"id_number": masking.id_number_for, "phone": masking.phone_for, "cadre_phone": masking.phone_for}
HISTORY_LIMIT = 50


def _shown(user, name: str, value):
    if value in (None, ""):
        return "—"
    if name in PERSONAL:
        return PERSONAL[name](user, str(value))  # the log keeps the value; the page masks it
    return value


@login_required
@require_GET
def household_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest changes to the household, its members and its income records (newest first)."""
    user = request.user
    household = get_household_for_user(user, pk)
    person_ids = [str(i) for i in Person.objects.filter(household=household).values_list("pk", flat=True)]
    income_ids = [str(i) for i in IncomeRecord.objects.filter(household=household).values_list("pk", flat=True)]
    entries = AuditEntry.objects.filter(
        Q(object_type="registry.household", object_id=str(household.pk))
        | Q(object_type="registry.person", object_id__in=person_ids)
        | Q(object_type="registry.incomerecord", object_id__in=income_ids)
    ).order_by("-seq")[:HISTORY_LIMIT]  # index audit_object (object_type, object_id, seq)
    rows = []
    for entry in entries:
        changes = []
        for name, value in sorted(entry.changes.items()):
            if name == "household":
                continue
            if isinstance(value, list) and len(value) == 2:  # a field's before and after
                changes.append((name, _shown(user, name, value[0]), _shown(user, name, value[1])))
            else:  # a detail of the action (a reveal names the field it showed)
                changes.append((name, "", value))
        rows.append({"entry": entry, "changes": changes})
    return render(request, "audit/_household_history.html", {"household": household, "rows": rows})
