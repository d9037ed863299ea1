"""Deadline reminders: per responsible unit, what is overdue and what falls due within the next days.

``jingzhun ledger remind`` prints them (run it daily from cron or a systemd timer) and, with ``--email``, sends each
unit's active users with an e-mail address their own list through Django's e-mail backend.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from jingzhun.accounts.models import User
from jingzhun.ledger.dashboard import unit_label
from jingzhun.ledger.models import ACTIVE, Problem
from jingzhun.registry import regions
from jingzhun.registry.models import Region


@dataclass
class UnitReminder:
    region_code: str
    sector: str
    label: str
    overdue: list[Problem] = field(default_factory=list)
    due: list[Problem] = field(default_factory=list)


def reminders(region_code: str | None = None, *, days: int | None = None,
              today: dt.date | None = None) -> list[UnitReminder]:  # fmt: skip
    """Units with overdue or soon-due active problems (one query, ordered by unit and deadline)."""
    today = today or timezone.localdate()
    days = settings.LEDGER_DUE_SOON_DAYS if days is None else days
    problems = Problem.objects.filter(status__in=ACTIVE, deadline__lte=today + dt.timedelta(days=days))
    if region_code:
        problems = problems.filter(region_code__range=regions.subtree_bounds(region_code))
    problems = problems.order_by("assignee_region_id", "assignee_sector", "deadline", "id")
    units: dict[tuple[str, str], UnitReminder] = {}
    for problem in problems.iterator(chunk_size=2000):
        key = (problem.assignee_region_id or "", problem.assignee_sector)
        unit = units.get(key)
        if unit is None:
            unit = units[key] = UnitReminder(region_code=key[0], sector=key[1], label="")
        (unit.overdue if problem.deadline < today else unit.due).append(problem)
    names = dict(Region.objects.filter(code__in=[code for code, _sector in units if code]).values_list("code", "name"))
    for (code, sector), unit in units.items():
        unit.label = unit_label(names.get(code), sector) or _("Unassigned")
    return list(units.values())


def recipients(unit: UnitReminder):
    """The unit's active users with an e-mail address (a department: its sector's users of that region)."""
    if not unit.region_code:
        return User.objects.none()
    users = User.objects.filter(is_active=True, region_id=unit.region_code).exclude(email="")
    return users.filter(sector=unit.sector) if unit.sector else users.filter(Q(sector="") | Q(sector__isnull=True))


def message_for(unit: UnitReminder, today: dt.date) -> tuple[str, str]:
    with override(settings.LANGUAGE_CODE):
        subject = _("Problem ledger: %(overdue)d overdue, %(due)d due soon (%(unit)s)") % {
            "overdue": len(unit.overdue), "due": len(unit.due), "unit": unit.label}  # fmt: skip
        lines = [subject, ""]
        for title, problems in ((_("Overdue"), unit.overdue), (_("Due soon"), unit.due)):
            if problems:
                lines.append(f"{title}:")
                lines += [f"  #{p.pk}  {p.deadline:%Y-%m-%d}  {p.region_code}  {p.description[:60]}" for p in problems]
                lines.append("")
        lines.append(_("As of %(day)s.") % {"day": today.isoformat()})
    return subject, "\n".join(lines)


def send(units: list[UnitReminder], today: dt.date) -> int:
    sent = 0
    for unit in units:
        addresses = list(recipients(unit).values_list("email", flat=True))
        if addresses:
            subject, body = message_for(unit, today)
            sent += send_mail(subject, body, None, addresses, fail_silently=False)
    return sent
