"""Walk every URL the project declares, as every persona, and look for anything outside the persona's region.

The URL conf is introspected, so an endpoint added later is walked without anyone remembering to add it; a
parameter this test does not know how to fill fails it with a message saying which. Each URL is requested with
in-scope and out-of-scope values; a response may be 200, 204, a redirect, 403/404/405 — and whatever it shows must not
contain a household number, a person's name or an ID number from outside the persona's subtree. An object outside
the subtree must answer 404 (not 403: a user must not learn that it exists).
"""

from __future__ import annotations

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import COUNTY, OTHER_COUNTY, OTHER_VILLAGE, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, VILLAGE_D, VILLAGES
from jingzhun.accounts.models import User
from jingzhun.campaigns.models import Reconciliation, SampleUnit
from jingzhun.campaigns.service import can_manage as can_manage_campaign
from jingzhun.campaigns.tasks import run_reconciliation
from jingzhun.importer.models import RegistryImport
from jingzhun.importer.tasks import run_import
from jingzhun.ledger import transitions
from jingzhun.ledger.models import ListImport, Problem
from jingzhun.registry import regions as codes
from jingzhun.registry.models import Household, Person, Region
from jingzhun.standards.runs import run_checks

pytestmark = pytest.mark.django_db

SKIPPED_NAMESPACES = ("admin",)  # the Django admin: staff only, its own permission checks (tested below)
CODES = [COUNTY, TOWN_A, TOWN_B, VILLAGE_A, VILLAGE_B, VILLAGE_D, OTHER_COUNTY, OTHER_VILLAGE]


def declared_patterns():
    """(route, name, parameter names) of every URL pattern, outside the skipped namespaces."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner in SKIPPED_NAMESPACES:
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield prefix + str(pattern.pattern), name, tuple(pattern.pattern.converters)

    return list(walk(get_resolver().url_patterns, "", ""))


@pytest.fixture
def world(registry, personas, tmp_path, settings):
    """The conftest registry with findings and problems everywhere (a run over the whole province), evidence on a
    problem of every village, a problem-list import in the county and one in the other county, and a web registry
    import in town A and one in the other county whose rejection reports name their region's households and
    persons."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
    run_checks(Region.objects.get(code="510000000000"), 2025)
    households = list(Household.objects.select_related("village"))
    root = User.objects.create_superuser("walk_root", password="x")
    evidence = []
    for village in VILLAGES:
        problem = Problem.objects.filter(region_code=village).order_by("pk").first()
        upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
        evidence.append(transitions.add_evidence(problem, root, upload))
    list_imports = [
        ListImport.objects.create(source="assessment", file_name=f"{code}.xlsx", sha256="0" * 64, region_code=code,
                                  imported_by=root)
        for code in (COUNTY, OTHER_COUNTY)
    ]  # fmt: skip
    imports = [
        web_import(registry.household(VILLAGE_A), TOWN_A),
        web_import(registry.household(OTHER_VILLAGE), OTHER_COUNTY),
    ]
    campaigns, photos = verification_campaigns(root, personas.town_officer)
    return {"households": households, "persons": list(Person.objects.select_related("household")),
            "problems": list(Problem.objects.all()), "evidence": evidence, "list_imports": list_imports,
            "imports": imports, "campaigns": campaigns, "units": list(SampleUnit.objects.all()),
            "photos": photos}  # fmt: skip


def verification_campaigns(root, checker):
    """A self-check of the county (town A's households assigned to the town's checker) and one of the other
    county, each with a photo on a unit and a reconciliation run (nothing to enter yet)."""
    import datetime as dt

    from jingzhun.campaigns import service

    campaigns, photos = [], []
    for code in (COUNTY, OTHER_COUNTY):
        campaign = service.create(root, name=f"walk {code}", region=Region.objects.get(code=code), level="self_check",
                                  population="all", reference_date=dt.date(2026, 10, 31), items=["income"])  # fmt: skip
        campaign = service.draw(campaign, root, design=None)
        if code == COUNTY:
            service.assign(campaign, root, checker=checker, region_code=TOWN_A)
        unit = campaign.units.order_by("id").first()
        upload = SimpleUploadedFile("door.png", b"\x89PNG\r\n\x1a\n" + b"\x01" * 32)
        photos.append(service.add_photo(unit, root, upload))
        run = Reconciliation.objects.create(campaign=campaign, user=root)
        run_reconciliation(run)
        campaigns.append(campaign)
    return campaigns, photos


def web_import(household: Household, scope: str) -> RegistryImport:
    """Import a file re-stating ``household`` with its head's name and ID number under a bad 户类型 (rejected)."""
    head = household.members.order_by("id").first()
    entry = RegistryImport.objects.create(user_name="walker", scope=scope, file_name="f.csv", folder=f"walk{scope}",
                                          suffix=".csv", size=1, sha256="0" * 64)  # fmt: skip
    entry.directory.mkdir(parents=True)
    row = [household.village_id, household.number, "富裕户", head.name, head.id_number, "户主"]
    text = "行政区划代码,户编号,户类型,姓名,证件号码,与户主关系\n" + ",".join(row) + "\n"
    entry.source_path.write_text(text, encoding="utf-8")
    run_import(entry)
    entry.refresh_from_db()
    assert entry.status == "done" and entry.rejected == 1
    return entry


def values_for(parameter: str, world) -> list:
    if parameter == "code":
        return CODES
    if parameter == "pk":
        return [h.pk for h in world["households"]]
    if parameter == "kind":
        return ["person", "household"]
    if parameter == "attribute":
        return ["id_number", "phone"]
    if parameter == "problem":
        return [p.pk for p in world["problems"][:: max(1, len(world["problems"]) // 12)]] + [
            e.problem_id for e in world["evidence"]]  # fmt: skip
    if parameter == "evidence":
        return [e.pk for e in world["evidence"]]
    if parameter == "batch":
        return [batch.pk for batch in world["list_imports"]]
    if parameter == "import_id":
        return [entry.pk for entry in world["imports"]]
    if parameter == "action":
        return ["start", "close", "edit"]
    if parameter == "fmt":
        return ["csv", "xlsx"]
    if parameter == "campaign_id":
        return [campaign.pk for campaign in world["campaigns"]]
    if parameter == "unit_id":
        return [unit.pk for unit in world["units"]]
    if parameter == "photo_id":
        return [photo.pk for photo in world["photos"]]
    if parameter == "what":
        return ["sample", "results"]
    if parameter == "run_id":  # each campaign's reconciliation, also asked under the other campaign (404)
        return [run.pk for campaign in world["campaigns"] for run in campaign.reconciliations.all()]
    if parameter == "task_id":
        return ["00000000-0000-0000-0000-000000000000"]
    raise AssertionError(f"the scope walk does not know how to fill URL parameter {parameter!r}: add it here")


def in_scope(user, code: str) -> bool:
    if user.is_superuser and not user.region_id:
        return True
    return bool(user.region_id) and codes.contains(user.region_id, code)


def secrets_outside(user, world) -> list[str]:
    """Strings that must never appear in what ``user`` is shown: other regions' households and persons."""
    hidden = []
    for household in world["households"]:
        if not in_scope(user, household.village_id):
            hidden.append(household.number)
    for person in world["persons"]:
        if not in_scope(user, person.household.village_id):
            hidden += [person.name, person.id_number]
    return [text for text in hidden if text]


def test_every_declared_endpoint_is_walked(world):
    names = {name for _, name, _ in declared_patterns()}
    assert {
        "registry:household",
        "standards:household-findings",
        "standards:export",
        "ledger:problem",
        "ledger:evidence",
        "ledger:export",
        "ledger:import-report",
        "importer:report",
    } <= names
    for _, _, parameters in declared_patterns():
        for parameter in parameters:
            values_for(parameter, world)  # fails for an unknown parameter


@pytest.mark.parametrize("persona", ["county_officer", "town_officer", "village_cadre", "viewer", "outsider",
                                     "no_region", "department"])  # fmt: skip
def test_no_response_shows_anything_outside_the_personas_region(client, personas, world, persona):
    if persona == "department":  # the education bureau of town A
        from conftest import make_user

        user = make_user("education_bureau", TOWN_A, "data_officer", sector="education")
    else:
        user = getattr(personas, persona)
    client.force_login(user)
    hidden = secrets_outside(user, world)
    # A search for an outsider's full ID number: the typed text may be echoed, but nothing it would find.
    outsider_id = next((p.id_number for p in world["persons"] if not in_scope(user, p.household.village_id)), "x")
    walked = 0
    for _route, name, parameters in declared_patterns():
        if name in ("logout", "set_language"):
            continue  # state changes on POST only; a GET of them reveals nothing
        choices = [values_for(parameter, world) for parameter in parameters]
        for combination in itertools.product(*choices):
            kwargs = dict(zip(parameters, combination, strict=True))
            url = reverse(name, kwargs=kwargs)
            for query in ("", "?format=csv", "?q=" + outsider_id):
                response = client.get(url + query)
                walked += 1
                assert response.status_code in (200, 204, 301, 302, 403, 404, 405), (url, response.status_code)
                if response.status_code == 403 and "code" in kwargs and not in_scope(user, kwargs["code"]):
                    pytest.fail(f"{url} answered 403 for another region: it must be 404")
                if "pk" in kwargs:
                    household = next(h for h in world["households"] if h.pk == kwargs["pk"])
                    if not in_scope(user, household.village_id):
                        # 405: a POST-only endpoint (reveal) answers the method before looking anything up.
                        assert response.status_code in (404, 405), (url, response.status_code)
                if "problem" in kwargs:
                    problem = next(p for p in world["problems"] if p.pk == kwargs["problem"])
                    if not in_scope(user, problem.region_code):
                        assert response.status_code in (404, 405), (url, response.status_code)
                if "batch" in kwargs:
                    batch = next(b for b in world["list_imports"] if b.pk == kwargs["batch"])
                    if not in_scope(user, batch.region_code):
                        assert response.status_code == 404, (url, response.status_code)
                if "campaign_id" in kwargs:
                    campaign = next(c for c in world["campaigns"] if c.pk == kwargs["campaign_id"])
                    checks_in_it = campaign.units.filter(checker=user).exists()
                    if not in_scope(user, campaign.region_id) and not checks_in_it:
                        assert response.status_code in (404, 405), (url, response.status_code)
                if "unit_id" in kwargs:
                    unit = next(u for u in world["units"] if u.pk == kwargs["unit_id"])
                    checks_it = unit.checker_id == user.pk and in_scope(user, unit.region_code)
                    manages_it = name == "campaigns:photo" and can_manage_campaign(user, unit.campaign)
                    if not (checks_it or manages_it):  # a photo is also shown to the campaign's managers
                        assert response.status_code in (404, 405), (url, response.status_code)
                body = b"".join(response.streaming_content) if response.streaming else response.content
                text = body.decode("utf-8", errors="replace")
                leaked = [secret for secret in hidden if secret in text and not (query and secret == outsider_id)]
                assert not leaked, f"{persona} saw {leaked[:3]} at {url + query}"
    assert walked > 100


def test_the_admin_is_for_staff_only(client, personas):
    client.force_login(personas.county_officer)
    response = client.get("/admin/registry/household/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(personas.superuser)
    assert client.get("/admin/registry/household/").status_code == 200
