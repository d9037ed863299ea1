"""Shared fixtures: regions, households and the personas of STYLE.md habit 7.

The tree (codes are real-shaped 12-digit statistical division codes):

    510000000000 四川省
    └── 511800000000 雅安市
        ├── 511823000000 汉源县            ← the county
        │   ├── 511823100000 富林镇        ← town A: villages A and B
        │   │   ├── 511823100201 新民村   (village A)
        │   │   └── 511823100202 河西村   (village B)
        │   └── 511823101000 九襄镇        ← town B: villages C and D
        │       ├── 511823101201 清溪村   (village C)
        │       └── 511823101202 永安村   (village D)
        └── 511824000000 石棉县            ← another region (the outsider's)
            └── 511824100000 新棉镇
                └── 511824100201 安顺村

Every village holds two households: the first exited (脱贫户) and monitored, the second ordinary (一般农户); each
has a head, a spouse and a child, and an income record for 2023.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from jingzhun.accounts.models import Function, User
from jingzhun.registry import idnumber
from jingzhun.registry.choices import (
    HealthCondition,
    HouseholdType,
    HousingGrade,
    LabourCapacity,
    MonitoringCategory,
    PersonStatus,
    Relation,
    RiskType,
    SchoolStatus,
    Sex,
)
from jingzhun.registry.models import Household, IncomeRecord, Person, Region, apply_id_fields

PROVINCE = "510000000000"
CITY = "511800000000"
COUNTY = "511823000000"
TOWN_A = "511823100000"
TOWN_B = "511823101000"
VILLAGE_A = "511823100201"
VILLAGE_B = "511823100202"
VILLAGE_C = "511823101201"
VILLAGE_D = "511823101202"
OTHER_COUNTY = "511824000000"
OTHER_TOWN = "511824100000"
OTHER_VILLAGE = "511824100201"

REGION_TREE = [
    (PROVINCE, "四川省", "province", None),
    (CITY, "雅安市", "city", PROVINCE),
    (COUNTY, "汉源县", "county", CITY),
    (TOWN_A, "富林镇", "town", COUNTY),
    (VILLAGE_A, "新民村", "village", TOWN_A),
    (VILLAGE_B, "河西村", "village", TOWN_A),
    (TOWN_B, "九襄镇", "town", COUNTY),
    (VILLAGE_C, "清溪村", "village", TOWN_B),
    (VILLAGE_D, "永安村", "village", TOWN_B),
    (OTHER_COUNTY, "石棉县", "county", CITY),
    (OTHER_TOWN, "新棉镇", "town", OTHER_COUNTY),
    (OTHER_VILLAGE, "安顺村", "village", OTHER_TOWN),
]
VILLAGES = [VILLAGE_A, VILLAGE_B, VILLAGE_C, VILLAGE_D, OTHER_VILLAGE]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = [
    "建国",
    "志强",
    "秀英",
    "桂兰",
    "德明",
    "玉珍",
    "国华",
    "春梅",
    "永福",
    "海燕",
    "文军",
    "淑芬",
    "明亮",
    "丽娟",
    "光荣",
    "红霞",
    "安邦",
    "翠花",
    "家宝",
    "凤英",
]
PASSWORD = "correct horse battery staple"

_sequence = itertools.count(1)


def make_members(household: Household, count: int, *, head_name: str | None = None) -> list[Person]:
    """Build (unsaved) members: a head, a spouse, then children; IDs are valid and unique across the run."""
    village6 = household.village_id[:6]
    people = []
    for index in range(count):
        serial = next(_sequence)
        # Names are unique for the first 400 people of a run, so a name search finds one household.
        name = SURNAMES[serial % len(SURNAMES)] + GIVEN_NAMES[(serial // len(SURNAMES)) % len(GIVEN_NAMES)]
        if index == 0:
            relation, sex, born, name = Relation.HEAD, Sex.MALE, dt.date(1970, 3, 1), head_name or name
        elif index == 1:
            relation, sex, born = Relation.SPOUSE, Sex.FEMALE, dt.date(1972, 5, 9)
        else:
            relation, sex, born = Relation.SON, Sex.MALE, dt.date(2010, 9, 1)
        # Odd sequence numbers are male, even female (GB 11643).
        sequence = (serial % 450) * 2 + (1 if sex == Sex.MALE else 2)
        person = Person(
            household=household,
            name=name,
            id_number=idnumber.make(village6, born, sequence),
            relation=relation,
            status=PersonStatus.NORMAL,
            school_status=SchoolStatus.GRADE_7 if relation == Relation.SON else SchoolStatus.NOT_IN_SCHOOL,
            health=HealthCondition.HEALTHY if index else f"{HealthCondition.CHRONIC},{HealthCondition.DISABLED}",
            labour_capacity=LabourCapacity.ORDINARY if relation != Relation.SON else "",
            insured_resident_medical=True,
            insured_employee_medical=False,
            insured_serious_illness=index != 1,
            insured_pension=None if relation == Relation.SON else True,
        )
        people.append(apply_id_fields(person))
    return people


def add_households(village: str, count: int, *, members: int = 3, start: int = 1) -> list[Household]:
    """Create ``count`` households with members and a 2023 income record in ``village`` (bulk inserts)."""
    households = Household.objects.bulk_create(
        [
            Household(
                number=f"{village}{start + index:05d}",
                village_id=village,
                household_type=HouseholdType.EXITED if index % 2 == 0 else HouseholdType.ORDINARY,
                monitoring_category=MonitoringCategory.UNSTABLE if index % 2 == 0 else "",
                risk_types=f"{RiskType.ILLNESS},{RiskType.DISABILITY}" if index % 2 == 0 else "",
                risk_eliminated=False if index % 2 == 0 else None,
                housing_grade=HousingGrade.B,
                water_piped=True,
                food_secure=True,
                clothing_secure=True,
                phone="13812345678",
                cadre_name="周干部",
                cadre_phone="13987654321",
            )
            for index in range(count)
        ]
    )
    Person.objects.bulk_create([person for household in households for person in make_members(household, members)])
    IncomeRecord.objects.bulk_create(
        [
            IncomeRecord(
                household=household,
                year=2023,
                wage=Decimal("12000"),
                operating=Decimal("3000"),
                property_income=Decimal("500"),
                transfer=Decimal("2500"),
                production_costs=Decimal("1500"),
                household_size=members,
                stated_per_capita=Decimal("5500"),
            )
            for household in households
        ]
    )
    return households


@dataclass
class Registry:
    """The households of the tree, by village code."""

    households: dict[str, list[Household]] = field(default_factory=dict)

    def household(self, village: str, index: int = 0) -> Household:
        return self.households[village][index]

    def head(self, village: str, index: int = 0) -> Person:
        return Person.objects.get(household=self.household(village, index), relation=Relation.HEAD)


@pytest.fixture
def regions(db) -> dict[str, Region]:
    created = {}
    for code, name, level, parent in REGION_TREE:
        created[code] = Region.objects.create(code=code, name=name, level=level, parent_id=parent)
    return created


@pytest.fixture
def registry(regions) -> Registry:
    return Registry({village: add_households(village, 2) for village in VILLAGES})


@dataclass
class Personas:
    county_officer: User
    town_officer: User
    village_cadre: User
    viewer: User
    outsider: User
    no_region: User
    superuser: User

    def all(self) -> list[User]:
        return list(vars(self).values())


def make_user(username: str, region: str | None, function: str, **extra) -> User:
    return User.objects.create_user(username, password=PASSWORD, region_id=region, function=function, **extra)


@pytest.fixture
def personas(regions) -> Personas:
    return Personas(
        county_officer=make_user("county_officer", COUNTY, Function.DATA_OFFICER),
        town_officer=make_user("town_officer", TOWN_A, Function.CHECKER),
        village_cadre=make_user("village_cadre", VILLAGE_B, Function.DATA_OFFICER),
        viewer=make_user("viewer", COUNTY, Function.VIEWER),
        outsider=make_user("outsider", OTHER_COUNTY, Function.DATA_OFFICER),
        no_region=make_user("no_region", None, Function.VIEWER),
        superuser=make_user("root", None, Function.ADMINISTRATOR, is_superuser=True, is_staff=True),
    )


@pytest.fixture
def login(client):
    """Return a function that signs ``user`` in on the test client and returns the client."""

    def sign_in(user: User):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _seeded_rows_after_a_flush(request):
    """Transactional tests empty every table after themselves, the rows migrations seed included: put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from jingzhun.accounts.models import FunctionPermission, ensure_default_permissions
    from jingzhun.registry.defaults import ensure_national_defaults
    from jingzhun.registry.models import StandardParameters

    ensure_national_defaults(StandardParameters)
    ensure_default_permissions(FunctionPermission)


@pytest.fixture(autouse=True)
def _data_dir_of_its_own(settings, tmp_path_factory):
    """Every test writes its heartbeats, progress files and the like in a folder of its own, never in the checkout's
    var/ (a test module may point DATA_DIR elsewhere still)."""
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
