"""The only way views reach problems: limited to the user's region subtree (and a department's sector).

Who may do what to a problem is decided here too, from the user's function (permissions are data), region and
level; ``transitions`` asks these questions inside its transaction and the pages ask them to show or hide buttons.
A problem outside the user's subtree answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from jingzhun.accounts.models import SECTOR_ITEMS
from jingzhun.ledger.models import Evidence, Problem
from jingzhun.registry import regions
from jingzhun.registry.access import scope_code

# Rank of each level: a smaller number is a higher level. A superuser without a region stands above them all. A
# department (行业部门) is a county bureau answering to the county's leading group: below the county, above towns.
RANK: dict[str, float] = {level: index for index, level in enumerate(regions.LEVELS)}
RANK["department"] = RANK["county"] + 0.5
TOP = -1
# Levels whose users may assign problems to departments (行业部门 are county bureaux and above).
DEPARTMENT_ASSIGNERS = ("province", "city", "county")


def problems_for(user):
    """Problems the user may see: those under their region (a range on region_code); for a department user only
    those of their sector's items of the standard or assigned to their sector."""
    code = scope_code(user)
    if code is None:
        return Problem.objects.none()
    problems = Problem.objects.all() if code == "" else Problem.objects.in_region(code)
    if getattr(user, "sector", ""):
        problems = problems.filter(Q(item__in=SECTOR_ITEMS.get(user.sector, ())) | Q(assignee_sector=user.sector))
    return problems


def get_problem_for_user(user, pk) -> Problem:
    try:
        return problems_for(user).select_related("household", "person", "assignee_region").get(pk=pk)
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise Http404("problem not found") from None


def get_evidence_for_user(user, problem_pk, pk) -> Evidence:
    problem = get_problem_for_user(user, problem_pk)
    try:
        return problem.evidence.get(pk=pk)
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404("evidence not found") from None


def rank_of(user) -> float | None:
    """The rank of the user's level; None: no region."""
    if getattr(user, "sector", ""):
        return RANK["department"]
    if user.region_id:
        return RANK[regions.level_of(user.region_id)]
    return TOP if user.is_superuser else None


def level_name(user) -> str:
    if getattr(user, "sector", ""):
        return "department"
    return regions.level_of(user.region_id) if user.region_id else ("" if not user.is_superuser else "top")


def _may(user, permission: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_function_permission(permission))


def covers(user, problem: Problem) -> bool:
    """Whether the problem lies in the user's scope (region subtree and, for a department, sector)."""
    code = scope_code(user)
    if code is None:
        return False
    if code and not regions.contains(code, problem.region_code):
        return False
    if getattr(user, "sector", ""):
        return problem.item in SECTOR_ITEMS.get(user.sector, ()) or problem.assignee_sector == user.sector
    return True


def responsible_rank(problem: Problem) -> float:
    """The rank of the unit answering for the problem: its assignee (a department, a region), else its region's."""
    if problem.assignee_sector:
        return RANK["department"]
    if problem.assignee_region_id:
        return RANK[regions.level_of(problem.assignee_region_id)]
    return RANK[regions.level_of(problem.region_code)]


def can_rectify(user, problem: Problem) -> bool:
    return _may(user, "rectify_problems") and covers(user, problem)


def can_verify(user, problem: Problem) -> bool:
    """Close or send back: a verifier from a level above the one who rectified (never a department: it answers
    for its sector's problems, it does not sign them off)."""
    if getattr(user, "sector", "") or not (_may(user, "verify_problems") and covers(user, problem)):
        return False
    rank = rank_of(user)
    rectified = RANK.get(problem.rectified_level, len(RANK))
    return rank is not None and rank < rectified


def can_reject(user, problem: Problem) -> bool:
    """Reject (不予认定): the level above the unit answering for the problem (not a department)."""
    if getattr(user, "sector", "") or not (_may(user, "verify_problems") and covers(user, problem)):
        return False
    rank = rank_of(user)
    return rank is not None and rank < responsible_rank(problem)


def can_manage(user, problem: Problem | None = None) -> bool:
    """Assign, reassign, edit and enter problems: the manage right, and (for a problem) the problem must still be
    the user's to hand out: unassigned, or assigned to the user's own unit or below it."""
    if not _may(user, "manage_problems") or getattr(user, "sector", ""):
        return False
    if problem is None:
        return True
    if not covers(user, problem):
        return False
    if problem.assignee_region_id is None or user.region_id is None:
        return True
    return regions.contains(user.region_id, problem.assignee_region_id)


def can_assign_to(user, region_code: str | None, sector: str = "") -> bool:
    """Whether the user may hand problems to this unit: a region strictly below their own level inside their
    subtree (the county to towns, a town to villages), or — for county level and above — a department."""
    rank = rank_of(user)
    if rank is None or not _may(user, "manage_problems") or getattr(user, "sector", ""):
        return False
    if sector:
        return sector in SECTOR_ITEMS and (user.region_id is None or level_name(user) in DEPARTMENT_ASSIGNERS)
    if not region_code or not regions.is_code(region_code):
        return False
    if user.region_id and not regions.contains(user.region_id, region_code):
        return False
    return RANK[regions.level_of(region_code)] > rank
