"""Generate the clean synthetic county: regions, households of realistic composition, incomes around the lines.

Everything is drawn from one ``random.Random(seed)`` in a fixed order (no set or dict iteration order, no hash),
so the same seed and options give the same county. The clean data triggers no rule of DOMAIN.md §5; defects are
planted afterwards (defects.py) with a separate random stream, so changing a defect rate leaves the clean
households as they were.
"""

from __future__ import annotations

import random

from jingzhun.synth.people import FEMALE, MALE, PersonMaker, weighted
from jingzhun.synth.places import TOWN_KINDS, ancestor_names, place_names
from jingzhun.synth.records import Household, Person, Region
from jingzhun.synth.standard import Standard

_WORKING = ("普通劳动力", "技能劳动力", "弱劳动力或半劳动力")
_KINDS = (
    ("elderly_single", 12),
    ("elderly_couple", 13),
    ("empty_nest", 6),
    ("left_behind", 9),
    ("three_generations", 10),
    ("nuclear", 30),
    ("single_adult", 5),
    ("single_parent", 5),
    ("with_parents", 5),
    ("uxorilocal", 3),
    ("siblings", 2),
)
_CAUSES = (
    ("因病", 25), ("因残", 12), ("因学", 8), ("因灾", 3), ("缺土地", 3), ("缺水", 2), ("缺技术", 15),
    ("缺劳力", 10), ("缺资金", 15), ("交通条件落后", 3), ("自身发展动力不足", 3), ("其它", 1),
)  # fmt: skip
_RISK_TYPES = ("因病", "因残", "因学", "因灾", "因意外事故", "因产业项目失败", "因务工就业不稳", "缺劳动力", "其他")
_RISK_WEIGHTS = (30, 15, 10, 8, 6, 5, 15, 8, 3)


def phone(rng: random.Random) -> str:
    """Return an 11-digit mobile number (1 + a carrier digit + 9 digits)."""
    return f"1{'35789'[int(rng.random() * 5)]}{int(rng.random() * 1_000_000_000):09d}"


def build_regions(rng: random.Random, county_code: str) -> tuple[list[Region], list[Region]]:
    """Return the hierarchy (province, city, county, towns, villages in code order) and the villages."""
    province_name, city_name, county_name = ancestor_names(county_code)
    province = county_code[:2] + "0" * 10
    city = county_code[:4] + "0" * 8
    regions = [
        Region(province, province_name, "province", None),
        Region(city, city_name, "city", province),
        Region(county_code, county_name, "county", city),
    ]
    villages = []
    taken: set[str] = set()
    town_count = rng.randint(9, 11)
    town_names = place_names(rng, town_count, TOWN_KINDS, taken)
    for town_index, town_name in enumerate(town_names):
        town_code = f"{county_code[:6]}{101 + town_index:03d}000"
        regions.append(Region(town_code, town_name, "town", county_code))
        for village_index, village_name in enumerate(place_names(rng, rng.randint(12, 18), ("村",), taken)):
            village = Region(f"{town_code[:9]}{201 + village_index:03d}", village_name, "village", town_code)
            regions.append(village)
            villages.append(village)
    return regions, villages


def allocate(rng: random.Random, total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` counts of random size (largest remainder, ties by position)."""
    weights = [0.5 + rng.random() for _ in range(parts)]
    scale = total / sum(weights)
    exact = [weight * scale for weight in weights]
    counts = [int(value) for value in exact]
    order = sorted(range(parts), key=lambda index: (-(exact[index] - counts[index]), index))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


class Generator:
    """Generate the clean households of one county (see the module docstring)."""

    def __init__(self, rng: random.Random, county_code: str, standard: Standard, latest_birth):
        self.rng = rng
        self.standard = standard
        self.people = PersonMaker(rng, county_code, standard.reference_date, latest_birth)
        self.names = self.people.names

    def households(self, villages: list[Region], regions: list[Region], count: int) -> list[Household]:
        rng = self.rng
        town_names = {region.code: region.name for region in regions if region.level == "town"}
        result = []
        for village, village_count in zip(villages, allocate(rng, count, len(villages)), strict=True):
            cadres = [
                (self.names.full_name(MALE if rng.random() < 0.7 else FEMALE), phone(rng))
                for _ in range(rng.randint(4, 8))
            ]
            town_name = town_names[village.parent]
            for sequence in range(1, village_count + 1):
                household = self.household(f"{village.code}{sequence:04d}", village, town_name)
                household.cadre_name, household.cadre_phone = cadres[int(rng.random() * len(cadres))]
                result.append(household)
        return result

    # One household ------------------------------------------------------------------------------------------
    def household(self, number: str, village: Region, town_name: str) -> Household:
        rng = self.rng
        standard = self.standard
        exited = rng.random() < 0.32
        household = Household(
            number=number,
            village_code=village.code,
            region_code=village.code,
            file_region_code=village.code,
            town_name=town_name,
            village_name=village.name,
            household_type="脱贫户" if exited else "一般农户",
            income_year=standard.year,
        )
        kind = weighted(rng, _KINDS)
        household.members = members = self.members(kind)
        working = any(person.labour_capacity in _WORKING for person in members if person.status == "正常")
        if exited:
            single_elderly = kind == "elderly_single"
            household.poverty_attribute = weighted(
                rng, (("一般", 70), ("低保", 22), ("特困供养", 8 if single_elderly or not working else 0))
            )
            household.exit_year = 2014 + int(rng.random() * (min(standard.year, 2020) - 2013))
            household.main_cause = weighted(rng, _CAUSES)
        if rng.random() < (0.08 if exited else 0.035):
            household.monitoring_category = (
                "脱贫不稳定户" if exited else "边缘易致贫户" if rng.random() < 0.7 else "突发严重困难户"
            )
            chosen = set(rng.choices(_RISK_TYPES, _RISK_WEIGHTS, k=1 + int(rng.random() * 3)))
            household.risk_types = ",".join(value for value in _RISK_TYPES if value in chosen)
            # Risk is only marked eliminated where someone can work (else MON-003 would fire).
            household.risk_eliminated = working and rng.random() < 0.45
            if household.risk_eliminated:
                household.risk_elimination_method = "帮扶消除" if rng.random() < 0.7 else "自然消除"
        for person in members:
            person.dibao = household.poverty_attribute == "低保"
            person.tekun = household.poverty_attribute == "特困供养"
        self.housing(household)
        self.water(household)
        household.phone = phone(rng) if rng.random() < 0.96 else ""
        household.records_size = rng.random() < 0.95
        household.states_income = rng.random() < 0.85
        self.income(household)
        return household

    def housing(self, household: Household) -> None:
        rng = self.rng
        registered = household.household_type == "脱贫户" or household.is_monitored
        roll = rng.random()
        if not registered and roll < 0.04:
            household.housing_grade, household.safe_housing_measure = "未鉴定", ""
        elif roll < 0.09:
            household.housing_grade = "C" if rng.random() < 0.7 else "D"
            household.safe_housing_measure = weighted(
                rng, (("危房改造", 60), ("易地扶贫搬迁", 25), ("其他安全住房", 15))
            )
        else:
            household.housing_grade = "A" if rng.random() < 0.6 else "B"
            household.safe_housing_measure = "易地扶贫搬迁" if registered and rng.random() < 0.1 else "原住房安全"

    def water(self, household: Household) -> None:
        rng = self.rng
        standard = self.standard
        household.water_piped = rng.random() < 0.88
        household.water_fetch_minutes = (
            None if household.water_piped else 2 + int(rng.random() * (standard.water_max_fetch_minutes - 1))
        )
        household.water_litres_tenths = standard.water_min_tenths + 10 + int(rng.random() * 1000)
        household.water_quality_ok = True
        household.water_outage_days = int(rng.random() * (standard.water_max_outage_days - 5))

    def income(self, household: Household) -> None:
        """Draw a per-capita net income in the household's band and split it into components."""
        rng = self.rng
        standard = self.standard
        poverty, monitoring = standard.poverty_line, standard.monitoring_line
        if household.is_monitored and not household.risk_eliminated:
            # Monitored households spread around both lines (they are watched, so no rule fires).
            per_capita = int(poverty * 0.6 + rng.random() * (monitoring * 1.3 - poverty * 0.6))
        elif household.risk_eliminated:
            per_capita = monitoring + 10_000 + int(rng.expovariate(1 / 300_000))
        else:
            per_capita = monitoring + 10_000 + int(rng.expovariate(1 / 900_000))
        set_per_capita(rng, household, per_capita)

    # Members ---------------------------------------------------------------------------------------------------
    def members(self, kind: str) -> list[Person]:
        rng = self.rng
        make = self.people.person
        randint = rng.randint
        ethnicity = weighted(rng, (("汉族", 93), ("彝族", 5), ("藏族", 1), ("其他", 1)))
        surname = self.names.surname()

        def head(sex: str, low: int, high: int) -> Person:
            return make("户主", sex, randint(low, high), surname, ethnicity)

        def spouse(of: Person, low: int = -6, high: int = 3) -> Person:
            sex = FEMALE if of.sex == MALE else MALE
            age = max(18, self.people.age(of) + randint(low, high))
            return make("配偶", sex, age, None, ethnicity if rng.random() < 0.9 else "汉族")

        def child(parent_age: int, low: int, high: int, relations=("之子", "之女")) -> Person | None:
            age = parent_age - randint(low, high)
            if age < 0:
                return None
            sex = MALE if rng.random() < 0.52 else FEMALE
            return make(relations[0] if sex == MALE else relations[1], sex, age, surname, ethnicity)

        people: list[Person] = []
        male_head = rng.random() < 0.86
        if kind == "elderly_single":
            people.append(head(MALE if rng.random() < 0.5 else FEMALE, 60, 92))
        elif kind in ("elderly_couple", "empty_nest"):
            first = head(MALE if male_head else FEMALE, *((62, 88) if kind == "elderly_couple" else (42, 62)))
            people += [first, spouse(first)]
        elif kind == "left_behind":
            first = head(MALE if male_head else FEMALE, 55, 76)
            people.append(first)
            if rng.random() < 0.85:
                people.append(spouse(first))
            oldest = min(15, self.people.age(first) - 40)
            for _ in range(1 + (rng.random() < 0.4)):
                sex = MALE if rng.random() < 0.52 else FEMALE
                relation = "之孙子" if sex == MALE else "之孙女"
                people.append(make(relation, sex, randint(3, oldest), surname, ethnicity))
        elif kind == "three_generations":
            first = head(MALE if male_head else FEMALE, 50, 72)
            people += [first, spouse(first)]
            first_age = self.people.age(first)
            son = make("之子", MALE, max(20, first_age - randint(22, 34)), surname, ethnicity)
            son_age = self.people.age(son)
            wife = make("之儿媳", FEMALE, max(18, son_age + randint(-4, 3)), None, ethnicity)
            people += [son, wife]
            for parent in (son, wife):
                if parent.labour_capacity in _WORKING and parent.school_status == "非在校生" and rng.random() < 0.6:
                    parent.migrant_status, parent.migrant_months = "省外务工", 6 + int(rng.random() * 7)
            for _ in range(int(rng.random() * 3)):
                grandchild = child(son_age, 20, 32, ("之孙子", "之孙女"))
                if grandchild is not None:
                    people.append(grandchild)
            if first_age <= 70 and rng.random() < 0.1:
                people.append(make("之母", FEMALE, min(96, first_age + randint(20, 30)), None, ethnicity))
        elif kind in ("nuclear", "single_parent"):
            if kind == "nuclear":
                first = head(MALE if rng.random() < 0.9 else FEMALE, 26, 56)
                people.append(first)
                if rng.random() < 0.92:
                    people.append(spouse(first))
            else:
                people.append(first := head(FEMALE if rng.random() < 0.6 else MALE, 28, 55))
            children = weighted(rng, ((1, 35), (2, 45), (3, 20))) if kind == "nuclear" else 1 + (rng.random() < 0.4)
            for _ in range(children):
                son_or_daughter = child(self.people.age(first), 21, 38)
                if son_or_daughter is not None:
                    people.append(son_or_daughter)
        elif kind == "single_adult":
            people.append(head(MALE if rng.random() < 0.8 else FEMALE, 22, 59))
        elif kind == "with_parents":
            first = head(MALE if male_head else FEMALE, 35, 62)
            people.append(first)
            if rng.random() < 0.5:
                people.append(spouse(first))
            first_age = self.people.age(first)
            if rng.random() < 0.6 and first_age + 22 <= 96:
                people.append(make("之父", MALE, min(96, first_age + randint(22, 36)), surname, ethnicity))
            if first_age + 20 <= 96:
                people.append(make("之母", FEMALE, min(96, first_age + randint(20, 34)), None, ethnicity))
        elif kind == "uxorilocal":
            first = head(MALE, 50, 70)
            people += [first, spouse(first)]
            daughter = make("之女", FEMALE, max(20, self.people.age(first) - randint(22, 34)), surname, ethnicity)
            husband = make("之女婿", MALE, max(20, self.people.age(daughter) + randint(-2, 5)))
            people += [daughter, husband]
            for _ in range(int(rng.random() * 3)):
                grandchild = child(self.people.age(daughter), 20, 30, ("之孙子", "之孙女"))
                if grandchild is not None:
                    people.append(grandchild)
        else:  # siblings
            first = head(MALE if male_head else FEMALE, 40, 70)
            sibling_sex = MALE if rng.random() < 0.5 else FEMALE
            people += [first, make("兄弟姐妹", sibling_sex, self.people.age(first) + randint(-10, 10), surname)]
        if rng.random() < 0.04:
            people.append(self.former_member(people[0]))
        return people

    def former_member(self, head: Person) -> Person:
        """Return a deceased parent or a daughter who married out: kept in the file, ignored by the rules."""
        rng = self.rng
        age = self.people.age(head)
        if age <= 66:
            parent = self.people.person("之父", MALE, age + rng.randint(22, 34), head.name[0])
            parent.status = "死亡"
            return parent
        daughter = self.people.person("之女", FEMALE, age - rng.randint(22, 30), head.name[0])
        daughter.status = "迁出"
        return daughter


def set_per_capita(rng: random.Random, household: Household, per_capita: int) -> None:
    """Set the income components so the net income is ``per_capita`` cents per normal member.

    Shares are typical of rural households: wages first, then farming (less its costs) and transfers.
    """
    size = max(1, sum(1 for person in household.members if person.status == "正常"))
    net = per_capita * size
    household.transfer = int(net * (0.08 + rng.random() * 0.27))
    household.property_income = int(net * rng.random() * 0.04)
    household.operating = int(net * (0.1 + rng.random() * 0.3))
    household.production_costs = int(household.operating * (0.15 + rng.random() * 0.3))
    household.wage = (
        net - household.transfer - household.property_income - household.operating + household.production_costs
    )
