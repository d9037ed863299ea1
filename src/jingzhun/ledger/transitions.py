"""Everything that changes a problem. Each function checks the actor's right, region and level, changes the row
with a conditional UPDATE (on the version the actor saw: of two people acting at once exactly one wins, the other
gets ``Conflict``), and writes the problem's history and the audit log — all in one transaction.

    open ──start──▶ rectifying ──submit──▶ rectified ──close──▶ closed
                        ▲                      │                  │
                        └──────send_back───────┘                  │
    open/rectifying/rectified ──reject──▶ rejected                │
    closed/rejected ──reopen──▶ open ◀────────────────────────────┘
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingzhun.accounts.models import SECTOR_ITEMS
from jingzhun.audit.chain import record, record_many
from jingzhun.core.deferred import Message
from jingzhun.core.uploads import sha256_of, validate_upload
from jingzhun.ledger import access
from jingzhun.ledger.models import ACTIVE, Event, Evidence, Problem, Severity, Source, Status
from jingzhun.registry import regions
from jingzhun.registry.access import get_household_for_user, scope_code
from jingzhun.registry.choices import RegionLevel
from jingzhun.registry.models import Region

EVIDENCE_KINDS = {"jpg", "png", "pdf"}


class TransitionError(Exception):
    """A change that was refused; ``str(error)`` is the message for the user (translated)."""


class NotAllowed(TransitionError):
    """The actor's right, region or level does not allow it."""


class WrongState(TransitionError):
    """The problem is not in a state the change starts from."""


class Conflict(TransitionError):
    """Someone else changed the problem since the actor looked at it."""


def week_of(moment: dt.datetime) -> dt.date:
    day = timezone.localtime(moment).date()
    return day - dt.timedelta(days=day.weekday())


def default_deadline(severity: str, opened: dt.datetime | None = None) -> dt.date:
    days = settings.LEDGER_DEADLINE_DAYS.get(severity, settings.LEDGER_DEADLINE_DAYS["medium"])
    return timezone.localdate(opened or timezone.now()) + dt.timedelta(days=days)


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def _event(problem: Problem, action: str, user, at, *, frm: str = "", to: str = "", note: str = "", **details):
    return Event(problem_id=problem.pk, action=action, at=at, week=week_of(at), region_code=problem.region_code,
                 actor=user if getattr(user, "pk", None) else None, from_status=frm, to_status=to, note=note,
                 details=details)  # fmt: skip


def _change(problem: Problem, user, action: str, *, allowed: bool, refusal: str, starts: tuple[str, ...],
            to: str | None = None, updates: dict | None = None, note: str = "", version: int | None = None,
            details: dict | None = None) -> Problem:  # fmt: skip
    """Apply one change: refuse, or update conditionally and write history and audit. Returns the fresh problem."""
    if not allowed:
        raise NotAllowed(refusal)
    if problem.status not in starts:
        raise WrongState(_("This problem is %(status)s: that cannot be done now.") % {
            "status": _status_label(problem.status)})  # fmt: skip
    seen = problem.version if version is None else version
    now = timezone.now()
    target = to or problem.status
    with transaction.atomic():
        changed = Problem.objects.filter(pk=problem.pk, version=seen, status__in=starts).update(
            status=target, version=F("version") + 1, **(updates or {})
        )
        if not changed:
            current = Problem.objects.filter(pk=problem.pk).values_list("status", flat=True).first()
            message = _("Someone else changed this problem a moment ago (it is now %(status)s). Reload the page to "
                        "see the change, then try again.")  # fmt: skip
            raise Conflict(message % {"status": _status_label(current or "")})
        _event(problem, action, user, now, frm=problem.status, to=target, note=note, **(details or {})).save()
        changes = {"status": [problem.status, target], **{k: [None, _plain(v)] for k, v in (updates or {}).items()}}
        if note:
            changes["note"] = note
        record(f"problem_{action}", actor=user, obj=problem, region_code=problem.region_code, changes=changes)
    problem.refresh_from_db()
    return problem


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def _required(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Please write %(what)s.") % {"what": what})
    return text


def start(problem: Problem, user, *, note: str = "", version: int | None = None) -> Problem:
    """open → rectifying: the responsible unit starts work."""
    return _change(problem, user, "started", allowed=access.can_rectify(user, problem),
                   refusal=_("You may not rectify problems of this region."), starts=(Status.OPEN,),
                   to=Status.RECTIFYING, note=note, version=version)  # fmt: skip


def submit(problem: Problem, user, *, measures: str, version: int | None = None) -> Problem:
    """rectifying → rectified: the measures taken, with evidence attached; now a level above must verify."""
    measures = _required(measures, _("the rectification measures"))
    allowed = access.can_rectify(user, problem)
    if (
        allowed
        and problem.status == Status.RECTIFYING
        and settings.LEDGER_EVIDENCE_REQUIRED
        and not (problem.evidence.exists())
    ):
        raise ValidationError(_("Attach at least one piece of evidence (a photo, a scan or a PDF) first."))
    level = access.level_name(user)
    return _change(problem, user, "rectified", allowed=allowed,
                   refusal=_("You may not rectify problems of this region."), starts=(Status.RECTIFYING,),
                   to=Status.RECTIFIED, note=measures, version=version,
                   updates={"measures": measures, "rectified_at": timezone.now(), "rectified_by": user,
                            "rectified_level": "" if level == "top" else level})  # fmt: skip


def level_label(level: str) -> str:
    if level == "department":
        return _("department")
    return str(RegionLevel(level).label) if level in RegionLevel.values else "—"


def _verifier_refusal(problem: Problem) -> str:
    return _("Only a verifier from a level above the one who rectified (%(level)s) may do this.") % {
        "level": level_label(problem.rectified_level)}  # fmt: skip


def close(problem: Problem, user, *, result: str, version: int | None = None) -> Problem:
    """rectified → closed (销号): verified by a level above the rectifier."""
    result = _required(result, _("the verification result"))
    return _change(problem, user, "closed", allowed=access.can_verify(user, problem),
                   refusal=_verifier_refusal(problem), starts=(Status.RECTIFIED,), to=Status.CLOSED, note=result,
                   version=version, updates={"verification_result": result, "closed_at": timezone.now(),
                                             "closed_by": user})  # fmt: skip


def send_back(problem: Problem, user, *, reason: str, version: int | None = None) -> Problem:
    """rectified → rectifying: verification found the rectification wanting."""
    reason = _required(reason, _("why the rectification is not enough"))
    return _change(problem, user, "sent_back", allowed=access.can_verify(user, problem),
                   refusal=_verifier_refusal(problem), starts=(Status.RECTIFIED,), to=Status.RECTIFYING,
                   note=reason, version=version, updates={"verification_result": reason})  # fmt: skip


def reject(problem: Problem, user, *, reason: str, version: int | None = None) -> Problem:
    """open/rectifying/rectified → rejected (不予认定): the level above says it is not a problem."""
    reason = _required(reason, _("the reason for rejecting it"))
    return _change(problem, user, "rejected", allowed=access.can_reject(user, problem),
                   refusal=_("Only the level above the responsible unit may reject a problem."), starts=ACTIVE,
                   to=Status.REJECTED, note=reason, version=version,
                   updates={"rejection_reason": reason, "closed_at": timezone.now(), "closed_by": user})  # fmt: skip


def reopen(problem: Problem, user, *, reason: str, version: int | None = None) -> Problem:
    """closed/rejected → open: a later inspection found it again."""
    reason = _required(reason, _("why it is reopened"))
    return _change(problem, user, "reopened", allowed=access.can_reject(user, problem),
                   refusal=_("Only the level above the responsible unit may reopen a problem."),
                   starts=(Status.CLOSED, Status.REJECTED), to=Status.OPEN, note=reason, version=version,
                   updates={"reopened": F("reopened") + 1, "closed_at": None, "closed_by": None,
                            "rectified_at": None, "rectified_by": None, "rectified_level": ""})  # fmt: skip


def edit(problem: Problem, user, *, version: int | None = None, **fields) -> Problem:
    """Change the description, severity, deadline or responsible person (the manage right)."""
    editable = {"description", "severity", "deadline", "responsible_person"}
    unknown = set(fields) - editable
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "description" in fields:
        fields["description"] = _required(fields["description"], _("a description"))
    if "severity" in fields and fields["severity"] not in Severity.values:
        raise ValidationError(_("Unknown severity."))
    changes = {name: [_plain(getattr(problem, name)), _plain(value)] for name, value in fields.items()
               if getattr(problem, name) != value}  # fmt: skip
    if not changes:
        return problem
    return _change(problem, user, "edited", allowed=access.can_manage(user, problem),
                   refusal=_("You may not change this problem."), starts=ACTIVE, updates=fields, version=version,
                   details={"changes": changes})  # fmt: skip


def add_evidence(problem: Problem, user, upload) -> Evidence:
    """Attach a photo, scan or PDF (type checked by content, size limited); kept by the configured storage."""
    if not (access.can_rectify(user, problem) or access.can_manage(user, problem)):
        raise NotAllowed(_("You may not add evidence to this problem."))
    if problem.status not in ACTIVE:
        raise WrongState(_("Evidence can only be added to a problem that is not closed."))
    kind = validate_upload(upload, kinds=EVIDENCE_KINDS, max_bytes=settings.LEDGER_EVIDENCE_MAX_BYTES)
    sha256 = sha256_of(upload)
    now = timezone.now()
    with transaction.atomic():
        evidence = Evidence(problem=problem, name=(upload.name or "")[:200], kind=kind, size=upload.size,
                            sha256=sha256, uploaded_by=user, uploaded_at=now)  # fmt: skip
        evidence.file.save(upload.name or f"evidence.{kind}", upload, save=False)
        evidence.save()
        Problem.objects.filter(pk=problem.pk).update(version=F("version") + 1)
        _event(
            problem,
            Event.Action.EVIDENCE,
            user,
            now,
            note=evidence.name,
            evidence=evidence.pk,
            sha256=evidence.sha256,
            size=evidence.size,
        ).save()
        record("problem_evidence", actor=user, obj=problem, region_code=problem.region_code,
               changes={"evidence": evidence.name, "sha256": evidence.sha256, "size": evidence.size})  # fmt: skip
    problem.refresh_from_db()
    return evidence


def create(user, *, region_code: str, item: str, description: str, severity: str = Severity.MEDIUM,
           deadline: dt.date | None = None, household_pk: int | None = None, source: str = Source.MANUAL,
           source_ref: str = "") -> Problem:  # fmt: skip
    """Enter a problem by hand (the manage right, inside the user's region)."""
    from jingzhun.standards.exports import ITEMS

    # The refusals as Messages: a campaign's reconciliation runs this in the background and shows them later, in the
    # language of the page's reader.
    if not access.can_manage(user):
        raise NotAllowed(Message(gettext_noop("You may not enter problems.")))
    description = _required(description, _("a description"))
    if item not in ITEMS:
        raise ValidationError(_("Unknown item of the standard."))
    if severity not in Severity.values:
        raise ValidationError(_("Unknown severity."))
    household = None
    if household_pk:
        household = get_household_for_user(user, household_pk)  # 404 outside the user's region
        region_code = household.village_id
    code = scope_code(user)
    if not Region.objects.filter(code=region_code).exists() or (code and not regions.contains(code, region_code)):
        raise NotAllowed(Message(gettext_noop("That region is not yours.")))
    now = timezone.now()
    with transaction.atomic():
        problem = Problem.objects.create(
            source=source, source_ref=source_ref, item=item, region_code=region_code, household=household,
            description=description, severity=severity, deadline=deadline or default_deadline(severity, now),
            opened_at=now, created_by=user,
        )  # fmt: skip
        _event(problem, Event.Action.CREATED, user, now, to=Status.OPEN, source=source).save()
        record("problem_created", actor=user, obj=problem, region_code=region_code,
               changes={"source": source, "item": item, "description": description})  # fmt: skip
    return problem


def assign(problems, user, *, region_code: str = "", sector: str = "", person: str = "",
           deadline: dt.date | None = None) -> int:  # fmt: skip
    """Hand a filtered set of active problems to a unit (a region below the user, or a department); returns how
    many were assigned. Problems the user may no longer hand out (assigned elsewhere, closed meanwhile, outside the
    target unit's region) are left as they are; reassignment keeps the earlier unit in the history."""
    if not access.can_assign_to(user, region_code, sector):
        raise NotAllowed(_("You may not assign problems to that unit."))
    problems = access.problems_for(user).filter(pk__in=problems.values("pk"))
    if sector:
        target_region = user.region_id or ""
        if not target_region:
            raise NotAllowed(_("Assigning to a department needs a county (or higher) region of your own."))
        items = SECTOR_ITEMS[sector]
        eligible = problems.filter(item__in=items)
    else:
        target_region = region_code
        eligible = problems.filter(region_code__range=regions.subtree_bounds(region_code))
    eligible = eligible.filter(status__in=ACTIVE)
    if user.region_id:  # still the user's to hand out: unassigned or assigned within their subtree
        low, high = regions.subtree_bounds(user.region_id)
        eligible = eligible.filter(
            Q(assignee_region__isnull=True) | Q(assignee_region_id__gte=low, assignee_region_id__lte=high)
        )
    now = timezone.now()
    week = week_of(now)
    updates = {"assignee_region_id": target_region, "assignee_sector": sector}
    if person:
        updates["responsible_person"] = person[:60]
    if deadline:
        updates["deadline"] = deadline
    with transaction.atomic():
        rows = list(eligible.select_for_update().values_list(
            "pk", "region_code", "status", "assignee_region_id", "assignee_sector", "deadline"))  # fmt: skip
        if not rows:
            return 0
        ids = [row[0] for row in rows]
        target = {"region": target_region, "sector": sector, "person": person,
                  "deadline": deadline.isoformat() if deadline else None}  # fmt: skip
        events, audit = [], []
        for pk, code, status, old_region, old_sector, old_deadline in rows:
            before = {"region": old_region, "sector": old_sector,
                      "deadline": old_deadline.isoformat() if old_deadline else None}  # fmt: skip
            events.append(Event(problem_id=pk, action=Event.Action.ASSIGNED, at=now, week=week, region_code=code,
                                actor=user, from_status=status, to_status=status,
                                details={"from": before, "to": target}))  # fmt: skip
            audit.append(("problem_assigned", {"actor": user, "object_type": "ledger.problem", "object_id": pk,
                                               "region_code": code,
                                               "changes": {"from": before, "to": target}}))  # fmt: skip
        for start_index in range(0, len(ids), 5000):
            chunk = ids[start_index : start_index + 5000]
            Problem.objects.filter(pk__in=chunk).update(version=F("version") + 1, **updates)
        Event.objects.bulk_create(events, batch_size=2000)
        record_many(audit)
    return len(ids)
