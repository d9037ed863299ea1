"""Audit changes to registry records made through the ORM (admin, pages): who changed which fields, from what to what.

Bulk writers (the importer, the synthetic county) do not send model signals; they record their own summary
entries. Values are stored as they were (the log is the office's evidence); pages mask personal ones when showing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models.signals import post_delete, post_save, pre_save

from jingzhun.audit.chain import record
from jingzhun.registry.models import Household, IncomeRecord, Person

AUDITED = (Household, Person, IncomeRecord)
SKIPPED_FIELDS = {"created_at", "updated_at", "per_capita_net_income", "birth_ymd"}


def _snapshot(instance) -> dict:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS or field.primary_key:
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, Decimal):  # 60 and 60.0 are the same amount: compare at the field's scale
            value = str(value.quantize(Decimal(1).scaleb(-field.decimal_places)))
        elif isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        values[field.name] = value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
    return values


def _region(instance) -> str:
    if isinstance(instance, Household):
        return instance.village_id or ""
    household = getattr(instance, "household", None)
    return household.village_id if household is not None else ""


def _household_id(instance):
    return instance.pk if isinstance(instance, Household) else instance.household_id


def _remember_before(sender, instance, **kwargs):
    if instance.pk and not kwargs.get("raw"):
        before = sender.objects.filter(pk=instance.pk).first()
        instance._audit_before = _snapshot(before) if before is not None else None


def _record_save(sender, instance, created, **kwargs):
    if kwargs.get("raw"):
        return
    after = _snapshot(instance)
    before = None if created else getattr(instance, "_audit_before", None)
    if before is None:
        changes = {name: [None, value] for name, value in after.items() if value not in (None, "")}
    else:
        changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
        if not changes:
            return  # saved without a change
    changes["household"] = [None, _household_id(instance)]
    record("create" if created else "update", actor=_actor(), obj=instance, region_code=_region(instance),
           changes=changes)  # fmt: skip


def _record_delete(sender, instance, **kwargs):
    changes = {name: [value, None] for name, value in _snapshot(instance).items() if value not in (None, "")}
    changes["household"] = [_household_id(instance), None]
    record("delete", actor=_actor(), obj=instance, region_code=_region(instance), changes=changes)


# Connected for the audited models only: a receiver for every sender keeps Django from deleting any model's rows
# in one statement (a check run's 276,000 findings were fetched and deleted by id, in batches).
for _model in AUDITED:
    _label = _model._meta.label_lower
    pre_save.connect(_remember_before, sender=_model, dispatch_uid=f"audit.before.{_label}")
    post_save.connect(_record_save, sender=_model, dispatch_uid=f"audit.save.{_label}")
    post_delete.connect(_record_delete, sender=_model, dispatch_uid=f"audit.delete.{_label}")


def _actor():
    from jingzhun.audit.context import current_user

    return current_user()
