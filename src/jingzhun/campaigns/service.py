"""Everything that changes a campaign: creation, the draw, outside lists, checker assignment, field submissions,
photos and reconciliation into the ledger. Each function checks the actor's right and region, and writes the
audit log in the same transaction as the change.

Who sees what: ``campaigns_for`` (campaigns of regions under the user's, and campaigns the user checks in) and
``units_for_checker`` (the user's own units, inside their region). Anything else answers 404.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jingzhun.audit.chain import record
from jingzhun.campaigns import sampling
from jingzhun.campaigns.models import (
    ITEMS,
    Campaign,
    CampaignStatus,
    Level,
    Observation,
    OutsideHousehold,
    Photo,
    Population,
    Result,
    SampleUnit,
    UnitStatus,
)
from jingzhun.core.deferred import Message
from jingzhun.core.uploads import sha256_of, validate_upload
from jingzhun.registry import regions
from jingzhun.registry.access import scope_code
from jingzhun.registry.choices import HouseholdType, PersonStatus
from jingzhun.registry.models import Household, Person, Region

PHOTO_KINDS = {"jpg", "png"}
# A campaign item → the ledger's item of the standard (members are a data-quality matter for the ledger).
LEDGER_ITEM = {"members": "data"}
STRATIFY_BY = {"town": 9, "village": 12}  # stratum = the first digits of the village code


class CampaignError(Exception):
    """A refused change; ``str(error)`` is the message for the user (translated)."""


class Stale(CampaignError):
    """The form was based on an older version of the household's record (another device saved meanwhile)."""


# --- who sees and does what ---------------------------------------------------------------------------------------


def campaigns_for(user):
    """Campaigns of regions inside the user's subtree, and campaigns in which the user checks households."""
    code = scope_code(user)
    if code is None:
        return Campaign.objects.none()
    if code == "":
        return Campaign.objects.all()
    low, high = regions.subtree_bounds(code)
    mine = Campaign.objects.filter(region_id__gte=low, region_id__lte=high)
    checking = Campaign.objects.filter(pk__in=SampleUnit.objects.filter(checker=user).values("campaign_id"))
    return (mine | checking).distinct()


def get_campaign_for_user(user, pk) -> Campaign:
    try:
        return campaigns_for(user).select_related("region", "parent").get(pk=pk)
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404("campaign not found") from None


def can_manage(user, campaign: Campaign | None = None, region_code: str | None = None) -> bool:
    """The manage right, over a region inside the user's own."""
    if not user.has_function_permission("manage_campaigns"):
        return False
    code = scope_code(user)
    target = campaign.region_id if campaign is not None else region_code
    return code == "" or (code is not None and target is not None and regions.contains(code, target))


def units_for_checker(user):
    """The units assigned to the user, limited to households inside the user's region (a unit reassigned away, or
    a user moved to another region, sees nothing of the old one)."""
    code = scope_code(user)
    if code is None or not user.has_function_permission("verify_households"):
        return SampleUnit.objects.none()
    units = SampleUnit.objects.filter(checker=user, campaign__status=CampaignStatus.DRAWN)
    if code:
        units = units.filter(region_code__range=regions.subtree_bounds(code))
    return units


def get_unit_for_checker(user, pk) -> SampleUnit:
    try:
        return units_for_checker(user).select_related("campaign", "household", "outside").get(pk=pk)
    except (SampleUnit.DoesNotExist, ValueError, TypeError):
        raise Http404("unit not found") from None


def checkers_for(campaign: Campaign):
    """Users who may verify some of the campaign's units: the verify right, and a region inside the campaign's or
    above it (the assignment form lists them; ``may_check`` decides for a given region)."""
    from django.contrib.auth import get_user_model

    from jingzhun.accounts.models import FunctionPermission

    code = campaign.region_id
    functions = FunctionPermission.objects.filter(permission="verify_households").values("function")
    ancestors = [*regions.ancestor_codes(code), code]
    low, high = regions.subtree_bounds(code)
    users = get_user_model().objects.filter(is_active=True, function__in=functions).select_related("region")
    return users.filter(Q(region_id__in=ancestors) | Q(region_id__gte=low, region_id__lte=high)).order_by(
        "region_id", "username"
    )


def may_check(checker, region_code: str) -> bool:
    """Whether ``checker`` may verify households under ``region_code``: the verify right and a region containing
    it (a checker never gets a household outside their own region)."""
    if not checker.is_active or not checker.has_function_permission("verify_households"):
        return False
    return bool(checker.region_id) and regions.contains(checker.region_id, region_code)


# --- creating and drawing ------------------------------------------------------------------------------------------


def create(user, *, name: str, region: Region, level: str, population: str, reference_date, items, deadline=None,
           parent: Campaign | None = None) -> Campaign:  # fmt: skip
    if not can_manage(user, region_code=region.code):
        raise CampaignError(_("You may not set up campaigns for this region."))
    items = [item for item in ITEMS if item in set(items)]
    if not items:
        raise ValidationError(_("Choose at least one item to verify."))
    if parent is not None and not (regions.contains(parent.region_id, region.code)
                                   or regions.contains(region.code, parent.region_id)):  # fmt: skip
        raise ValidationError(_("The campaign re-checked must overlap this campaign's region."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name.strip(), region=region, level=level, population=population, reference_date=reference_date,
            items=items, deadline=deadline, parent=parent, created_by=user,
        )  # fmt: skip
        record("campaign_created", actor=user, obj=campaign, region_code=region.code,
               changes={"name": campaign.name, "level": level, "items": items})  # fmt: skip
    return campaign


@dataclass
class FrameRows:
    """The registry frame of a campaign, in frame order (village code, household number)."""

    frame: sampling.Frame
    villages: list[str]
    persons: dict[int, int]
    exited: set[int]


def frame_households(campaign: Campaign):
    """The households a campaign verifies: those of its region (exited ones only, if so set up)."""
    households = Household.objects.in_region(campaign.region_id)
    if campaign.population == Population.EXITED:
        households = households.filter(household_type=HouseholdType.EXITED)
    return households


def build_frame(campaign: Campaign, stratify_by: str = "town") -> FrameRows:
    households = frame_households(campaign)
    rows = list(households.order_by("village_id", "number").values_list("pk", "village_id", "household_type"))
    persons = dict(
        Person.objects.filter(household_id__in=households.values("pk"), status=PersonStatus.NORMAL)
        .values_list("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    digits = STRATIFY_BY.get(stratify_by, 9)
    ids = [pk for pk, _village, _type in rows]
    villages = [village for _pk, village, _type in rows]
    frame = sampling.Frame(ids=ids, strata=[village[:digits] for village in villages], clusters=villages)
    exited = {pk for pk, _village, kind in rows if kind == HouseholdType.EXITED}
    return FrameRows(frame, villages, {pk: persons.get(pk, 0) for pk in ids}, exited)


def frame_count(campaign: Campaign) -> int:
    """How many households the campaign's frame holds (one count; the design preview asks on every keystroke)."""
    return frame_households(campaign).count()


def draw(campaign: Campaign, user, *, design: sampling.Design | None, stratify_by: str = "town",
         size: dict | None = None, seed: int | None = None, outside_n: int = 0) -> Campaign:  # fmt: skip
    """Draw the campaign's units (a self-check takes every household) and store how: the seed, the design, the
    sample-size computation, the frame's size and hash. Re-drawing the same frame with the same design and seed
    gives the same units (``sampling.draw`` is deterministic)."""
    if not can_manage(user, campaign):
        raise CampaignError(_("You may not draw samples for this campaign."))
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignError(_("The sample of this campaign has already been drawn."))
    rows = build_frame(campaign, stratify_by)
    frame = rows.frame
    if not frame.ids:
        raise ValidationError(_("There are no households to verify in this region."))
    seed = seed if seed is not None else secrets.randbits(48)
    if campaign.level == Level.SELF_CHECK or design is None:
        selection = sampling.Selection(
            ids=list(frame.ids), strata=list(frame.strata or []), clusters=list(frame.clusters or []),
            probabilities=[1.0] * len(frame.ids), weights=[1.0] * len(frame.ids), details={"census": True},
        )  # fmt: skip
        design_dict = {"kind": "census", "n": len(frame.ids)}
    else:
        if design.n > len(frame.ids) and design.kind != "pps":
            raise ValidationError(
                _("The sample (%(n)d) is larger than the frame (%(N)d).") % {"n": design.n, "N": len(frame.ids)}
            )
        selection = sampling.draw(frame, design, seed)
        design_dict = design.as_dict()
    design_dict["stratify_by"] = stratify_by
    outside = list(campaign.outside.order_by("id").values_list("pk", "village_id", "persons"))
    outside_selection = None
    if outside_n:
        if outside_n > len(outside):
            raise ValidationError(_("Only %(n)d outside households are listed.") % {"n": len(outside)})
        outside_selection = sampling.draw_outside([pk for pk, _v, _p in outside], outside_n, seed)
    village_of = dict(zip(frame.ids, rows.villages, strict=True))
    now = timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status != CampaignStatus.DRAFT:
            raise CampaignError(_("The sample of this campaign has already been drawn."))
        strata = selection.strata or [""] * len(selection.ids)
        clusters = selection.clusters or [""] * len(selection.ids)
        units = [
            SampleUnit(
                campaign=campaign,
                household_id=pk,
                region_code=village_of[pk],
                stratum=stratum or "",
                cluster=cluster or "",
                probability=probability,
                weight=weight,
                persons=rows.persons[pk],
                exited=pk in rows.exited,
            )
            for pk, stratum, cluster, probability, weight in zip(
                selection.ids, strata, clusters, selection.probabilities, selection.weights, strict=True
            )
        ]
        if outside_selection is not None:
            info = {pk: (village, persons) for pk, village, persons in outside}
            units += [
                SampleUnit(
                    campaign=campaign,
                    outside_id=pk,
                    region_code=info[pk][0],
                    stratum="outside",
                    cluster="",
                    probability=probability,
                    weight=weight,
                    persons=info[pk][1],
                )
                for pk, probability, weight in zip(
                    outside_selection.ids, outside_selection.probabilities, outside_selection.weights, strict=True
                )
            ]
        SampleUnit.objects.bulk_create(units, batch_size=2000)
        details = dict(selection.details)  # JSON-safe: plain ints, floats and strings (sampling's contract)
        details["strata_N"] = dict(Counter(frame.strata or []))  # per-stratum frame sizes, for the estimates' FPC
        if outside_selection is not None:
            details["outside"] = {"n": outside_n, "N": len(outside), **outside_selection.details}
        Campaign.objects.filter(pk=campaign.pk).update(
            status=CampaignStatus.DRAWN, design=design_dict, size=size or {}, seed=seed, frame_size=len(frame.ids),
            frame_hash=sampling.frame_hash(frame), outside_size=len(outside), details=details,
            drawn_at=now, drawn_by=user,
        )  # fmt: skip
        record("campaign_drawn", actor=user, obj=campaign, region_code=campaign.region_id,
               changes={"design": design_dict, "seed": seed, "frame_size": len(frame.ids),
                        "frame_hash": sampling.frame_hash(frame), "units": len(units)})  # fmt: skip
    campaign.refresh_from_db()
    return campaign


def add_outside(campaign: Campaign, user, rows: list[dict]) -> tuple[int, list[dict]]:
    """List the outside (non-registered) households from a file's rows {village, head_name, persons, reference,
    row}, replacing any earlier list (uploading a corrected list must not double it). Returns (added, rejections):
    a row whose village is not in the campaign's region, without a name, with an impossible number of persons or
    repeating an earlier row is rejected with its reason."""
    if not can_manage(user, campaign):
        raise CampaignError(_("You may not change this campaign."))
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignError(_("Outside households can only be listed before the draw."))
    low, high = regions.subtree_bounds(campaign.region_id)
    villages = set(Region.objects.filter(code__gte=low, code__lte=high, level="village").values_list("code", flat=True))
    added, rejected = [], []
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        village = str(row.get("village") or "").strip()
        name = str(row.get("head_name") or "").strip()
        try:
            persons = int(float(str(row.get("persons") or "").strip()))
        except (ValueError, OverflowError):
            persons = -1
        reason = ""
        if village not in villages:
            reason = _("%(code)s is not a village of this campaign's region.") % {"code": village or "—"}
        elif not name:
            reason = _("The head of household's name is missing.")
        elif not 1 <= persons <= 30:
            reason = _("The number of persons must be a whole number from 1 to 30.")
        elif (village, name, str(row.get("reference") or "")) in seen:
            reason = _("This household repeats an earlier row.")
        seen.add((village, name, str(row.get("reference") or "")))
        if reason:
            rejected.append({"row": row.get("row"), "reason": reason})
            continue
        added.append(OutsideHousehold(campaign=campaign, village_id=village, head_name=name[:50], persons=persons,
                                      reference=str(row.get("reference") or "")[:60]))  # fmt: skip
    with transaction.atomic():
        replaced, _counts = campaign.outside.all().delete()
        OutsideHousehold.objects.bulk_create(added)
        record("campaign_outside_listed", actor=user, obj=campaign, region_code=campaign.region_id,
               changes={"added": len(added), "rejected": len(rejected), "replaced": replaced})  # fmt: skip
    return len(added), rejected


def assign(campaign: Campaign, user, *, checker, region_code: str, only_unassigned: bool = True) -> int:
    """Give the campaign's units under ``region_code`` to ``checker``; returns how many. The checker must hold the
    verify right and a region containing ``region_code``."""
    if not can_manage(user, campaign):
        raise CampaignError(_("You may not assign checkers in this campaign."))
    if not regions.contains(campaign.region_id, region_code):
        raise CampaignError(_("That region is not part of this campaign."))
    if not may_check(checker, region_code):
        raise CampaignError(_("%(name)s may not verify households in that region.") % {"name": checker})
    # A household already verified stays with the checker who verified it.
    units = campaign.units.filter(region_code__range=regions.subtree_bounds(region_code)).exclude(
        status=UnitStatus.DONE
    )
    if only_unassigned:
        units = units.filter(checker__isnull=True)
    with transaction.atomic():
        count = units.update(checker=checker)
        record("campaign_assigned", actor=user, obj=campaign, region_code=region_code,
               changes={"checker": checker.pk, "units": count})  # fmt: skip
    return count


# --- field work ----------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    result: str = ""
    observed: str = ""
    reason: str = ""


def new_token() -> str:
    return secrets.token_hex(16)


def save_unit(unit: SampleUnit, user, *, answers: dict[str, Answer], token: str, version: int, submit: bool,
              standard_met: bool | None = None, satisfied: bool | None = None, omitted_persons: int | None = None,
              note: str = "", latitude=None, longitude=None) -> tuple[SampleUnit, bool]:  # fmt: skip
    """Save a checker's form: as a draft (resumable) or submitted. Returns (unit, applied).

    Idempotent: a form is sent with a token; the same token again (a double tap, a retry on a slow connection)
    is recognised and changes nothing (applied = False). A form based on an older version than the stored one
    (another device saved meanwhile) is refused (``Stale``). A submitted household can be corrected by submitting
    again, not put back to a draft; once its findings are in the ledger it is corrected through the ledger."""
    campaign = unit.campaign
    if campaign.status != CampaignStatus.DRAWN:
        raise CampaignError(_("This campaign is closed."))
    items = campaign.items
    unknown = set(answers) - set(items)
    if unknown:
        raise ValidationError(_("Unknown item: %(item)s") % {"item": ", ".join(sorted(unknown))})
    errors = []
    for item in items:
        answer = answers.get(item) or Answer()
        if answer.result and answer.result not in Result.values:
            errors.append(_("Unknown result for %(item)s.") % {"item": item_label(item)})
        if answer.result == Result.INCONSISTENT and not answer.observed.strip():
            errors.append(_("%(item)s: write what you found.") % {"item": item_label(item)})
        if answer.result == Result.UNVERIFIABLE and not answer.reason.strip():
            errors.append(_("%(item)s: write why it could not be verified.") % {"item": item_label(item)})
        if submit and not answer.result:
            errors.append(_("%(item)s: not answered yet.") % {"item": item_label(item)})
    if submit and unit.exited and standard_met is None:
        errors.append(_("Say whether the household stably meets the standard."))
    if submit and unit.is_outside and omitted_persons is None:
        errors.append(_("Say how many persons met the standard but were never registered (0 if none)."))
    if omitted_persons is not None and not 0 <= omitted_persons <= unit.persons:
        errors.append(_("The number of persons omitted is not possible."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        current = SampleUnit.objects.select_for_update().get(pk=unit.pk)
        if token and current.last_token == token:
            return current, False
        if current.version != version:
            raise Stale(_("This household was saved from another device meanwhile: what is stored is shown below."))
        if current.status == UnitStatus.DONE:
            handed = current.observations.filter(problem__isnull=False).values_list("problem_id", flat=True)
            if handed:
                raise CampaignError(
                    _("This household's findings are in the ledger (problem %(numbers)s): correct them there.")
                    % {"numbers": ", ".join(f"#{number}" for number in handed)}
                )
            if not submit:
                raise CampaignError(_("This household was submitted: correct it and submit again."))
        for item in items:
            answer = answers.get(item) or Answer()
            if not answer.result:
                Observation.objects.filter(unit=current, item=item, problem__isnull=True).delete()
                continue
            Observation.objects.update_or_create(
                unit=current, item=item,
                defaults={"result": answer.result, "observed": answer.observed.strip()[:200],
                          "reason": answer.reason.strip()[:200]},
            )  # fmt: skip
        status = UnitStatus.DONE if submit else UnitStatus.STARTED
        SampleUnit.objects.filter(pk=current.pk).update(
            status=status, version=F("version") + 1, last_token=token, standard_met=standard_met,
            satisfied=satisfied, omitted_persons=omitted_persons, note=note.strip(), latitude=latitude,
            longitude=longitude, updated_at=now, submitted_at=now if submit else current.submitted_at,
        )  # fmt: skip
        if submit:
            counts = Counter(answer.result for answer in answers.values())
            record("campaign_unit_submitted", actor=user, obj=current, region_code=current.region_code,
                   changes={"campaign": campaign.pk, "results": dict(counts), "standard_met": standard_met,
                            "satisfied": satisfied, "omitted_persons": omitted_persons})  # fmt: skip
    current.refresh_from_db()
    return current, True


def add_photo(unit: SampleUnit, user, upload) -> Photo:
    kind = validate_upload(upload, kinds=PHOTO_KINDS, max_bytes=settings.LEDGER_EVIDENCE_MAX_BYTES)
    sha = sha256_of(upload)
    existing = unit.photos.filter(sha256=sha).first()
    if existing:  # the same photo sent again
        return existing
    try:
        return _store_photo(unit, user, upload, kind, sha)
    except IntegrityError:  # the same photo sent twice at once: the other request stored it
        return unit.photos.get(sha256=sha)


def _store_photo(unit: SampleUnit, user, upload, kind: str, sha: str) -> Photo:
    with transaction.atomic():
        photo = Photo(unit=unit, name=(upload.name or "")[:200], kind=kind, size=upload.size, sha256=sha,
                      uploaded_by=user)  # fmt: skip
        photo.file.save(upload.name or f"photo.{kind}", upload, save=False)
        photo.save()
        record("campaign_photo", actor=user, obj=unit, region_code=unit.region_code,
               changes={"photo": photo.name, "sha256": sha, "size": photo.size})  # fmt: skip
    return photo


# --- reconciliation ------------------------------------------------------------------------------------------------


def item_label(item: str) -> str:
    from jingzhun.campaigns.models import ITEM_LABELS

    return str(ITEM_LABELS.get(item, item))


def reconcile(campaign: Campaign, user, progress: Callable[[int, int], None] | None = None) -> int:
    """Turn every inconsistency of a submitted unit into a ledger problem (source: field verification, reference:
    this campaign); the registry is corrected through that problem's rectification, reviewed by the level above,
    never silently. Idempotent: an observation that has its problem is skipped. Returns how many were created.

    All or nothing: one transaction, so a failure half-way enters none. ``progress(done, total)`` is called once
    before the first observation and after each one, inside that transaction: a caller that shows it elsewhere
    must write it outside the database (tasks.py writes a file; the command draws a bar). At county scale this
    takes minutes: the web queues it as a task (``tasks.reconcile_task``).
    """
    from jingzhun.ledger import transitions
    from jingzhun.ledger.models import Source

    if not can_manage(user, campaign):  # a Message: a background run shows it later, in its reader's language
        raise CampaignError(Message(gettext_noop("You may not reconcile this campaign.")))
    pending = (
        Observation.objects.filter(unit__campaign=campaign, unit__status=UnitStatus.DONE,
                                   result=Result.INCONSISTENT, problem__isnull=True, unit__household__isnull=False)
        .select_related("unit", "unit__household")
        .order_by("unit__region_code", "unit_id", "id")
    )  # fmt: skip
    created = 0
    with transaction.atomic():  # one transaction (one commit on SQLite), a savepoint per problem
        observations = list(pending)
        total = len(observations)
        if progress is not None:
            progress(0, total)
        for done, observation in enumerate(observations, start=1):
            unit = observation.unit
            description = _("%(campaign)s: %(item)s found inconsistent with the registry. Found: %(observed)s") % {
                "campaign": campaign.name,
                "item": item_label(observation.item),
                "observed": observation.observed,
            }
            with transaction.atomic():
                problem = transitions.create(
                    user, region_code=unit.region_code, item=LEDGER_ITEM.get(observation.item, observation.item),
                    description=description, household_pk=unit.household_id, source=Source.VERIFICATION,
                    source_ref=f"campaign {campaign.pk} unit {unit.pk}",
                )  # fmt: skip
                updated = Observation.objects.filter(pk=observation.pk, problem__isnull=True).update(problem=problem)
                if not updated:  # reconciled concurrently: undo this one
                    transaction.set_rollback(True)
            created += bool(updated)
            if progress is not None:
                progress(done, total)
        record("campaign_reconciled", actor=user, obj=campaign, region_code=campaign.region_id,
               changes={"problems_created": created})  # fmt: skip
    return created


def close(campaign: Campaign, user) -> Campaign:
    """drawn → closed: the field forms stop accepting changes; reconciliation stays possible."""
    if not can_manage(user, campaign):
        raise CampaignError(_("You may not close this campaign."))
    with transaction.atomic():
        closed = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAWN).update(
            status=CampaignStatus.CLOSED
        )
        if not closed:
            raise CampaignError(_("Only a campaign whose sample is drawn can be closed."))
        counts = campaign.units.aggregate(
            done=Count("pk", filter=Q(status=UnitStatus.DONE)), pending=Count("pk", filter=~Q(status=UnitStatus.DONE))
        )
        record("campaign_closed", actor=user, obj=campaign, region_code=campaign.region_id, changes=counts)
    campaign.refresh_from_db()
    return campaign
