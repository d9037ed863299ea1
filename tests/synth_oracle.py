"""An independent, plain-Python reading of the rule semantics (docs/defects.md) over registry-file rows.

It shares nothing with the generator but the ID parser: it reads the file the way an office's file is read
(Chinese headers, text cells), groups rows by household number and applies each rule in the most direct way.
The synth tests check that it finds exactly the generator's ground truth.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from jingzhun.registry import idnumber

STUDENT_NOT = {"非在校生", "学龄前儿童", ""}
ABLE_TO_WORK = {"普通劳动力", "技能劳动力", "弱劳动力或半劳动力"}


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _bool(text: str):
    return {"是": True, "否": False}.get(text.strip())


def _int(text: str):
    return int(text) if text.strip() else None


def _money(text: str):
    return Decimal(text) if text.strip() else None


def _age(born: dt.date, day: dt.date) -> int:
    years = day.year - born.year
    if (day.month, day.day) < (born.month, born.day):
        years -= 1
    return years


def findings(rows: list[dict[str, str]], params: dict, village_codes: set[str]) -> set[tuple[str, str, str]]:
    """Return the (rule, household number, ID number or "") findings of the rows.

    ``params``: poverty_line, monitoring_line (yuan), water_min_litres, water_max_fetch_minutes,
    water_max_outage_days, age_min, age_max, reference_date.
    """
    ref = params["reference_date"]
    out: set[tuple[str, str, str]] = set()
    by_household: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_household[row["户编号"]].append(row)

    seen_ids: dict[str, list[str]] = defaultdict(list)
    for number, members in by_household.items():
        h = members[0]
        normal = [m for m in members if m["人员状态"] in ("正常", "")]

        def age_of(m):
            if m["出生日期"]:
                return _age(dt.date.fromisoformat(m["出生日期"]), ref)
            info = idnumber.parse(m["证件号码"])
            return _age(info.birth_date, ref) if info.birth_date else None

        def born_of(m):
            if m["出生日期"]:
                return dt.date.fromisoformat(m["出生日期"])
            return idnumber.parse(m["证件号码"]).birth_date

        heads = [m for m in normal if m["与户主关系"] == "户主"]
        failing_member = False
        for m in normal:
            pid = m["证件号码"]
            age = age_of(m)
            school = m["在校生状况"]
            in_school = school not in STUDENT_NOT
            # EDU-001
            school_age = age is not None and params["age_min"] <= age <= params["age_max"]
            not_taught = _bool(m["是否送教上门"]) is not True and _bool(m["是否因身体原因不具备学习条件"]) is not True
            if school_age and school in ("非在校生", "") and not_taught:
                out.add(("EDU-001", number, pid))
                failing_member = True
            # EDU-002
            if in_school and m["失学或辍学原因"].strip() != "":
                out.add(("EDU-002", number, pid))
            resident = _bool(m["是否参加城乡居民基本医疗保险"])
            employee = _bool(m["是否参加城镇职工基本医疗保险"])
            if resident is not True and employee is not True:
                out.add(("MED-001", number, pid))
                failing_member = True
            if resident is True and employee is True:
                out.add(("MED-002", number, pid))
            if resident is True and _bool(m["是否参加大病保险"]) is not True:
                out.add(("MED-003", number, pid))
            if m["证件类型"] in ("居民身份证", "") and pid:
                info = idnumber.parse(pid)
                if not info.valid:
                    out.add(("DQ-001", number, pid))
                if info.error in (None, "checksum") and info.birth_date is not None:
                    sex_differs = m["性别"] != "" and m["性别"] != info.sex
                    date_differs = m["出生日期"] != "" and dt.date.fromisoformat(m["出生日期"]) != info.birth_date
                    if sex_differs or date_differs:
                        out.add(("DQ-002", number, pid))
            if pid:
                seen_ids[pid].append(number)
            if m["与户主关系"] == "户主" and age is not None and age < 16:
                out.add(("DQ-007", number, pid))
            if in_school and m["文化程度"] != "":
                out.add(("DQ-010", number, pid))
            months = _int(m["务工时间(月)"])
            status = m["务工状况"]
            if months is not None and months > 0 and status in ("未务工", ""):
                out.add(("DQ-012", number, pid))
            if status not in ("未务工", "") and (months is None or months == 0):
                out.add(("DQ-012", number, pid))

        if len(heads) != 1:
            out.add(("DQ-004", number, ""))
        if len([m for m in normal if m["与户主关系"] == "配偶"]) > 1:
            out.add(("DQ-005", number, ""))
        if len(heads) == 1:
            head = heads[0]
            for m in normal:
                if m["与户主关系"] == "配偶" and head["性别"] and m["性别"] == head["性别"]:
                    out.add(("DQ-006", number, m["证件号码"]))
                # The head's age on the child's birthday: less than 12 whole years apart.
                if (
                    m["与户主关系"] in ("之子", "之女")
                    and born_of(head)
                    and born_of(m)
                    and idnumber.age_on(born_of(head), born_of(m)) < 12
                ):
                    out.add(("DQ-008", number, m["证件号码"]))

        exited = h["户类型"] == "脱贫户"
        monitored = h["监测对象类别"] != ""
        eliminated = _bool(h["风险是否消除"]) is True
        failing_item = failing_member
        if h["住房安全鉴定等级"] in ("C", "D") and h["住房安全保障方式"] in ("无", ""):
            out.add(("HOU-001", number, ""))
            failing_item = True
        if (exited or monitored) and h["住房安全鉴定等级"] in ("未鉴定", ""):
            out.add(("HOU-002", number, ""))
        litres = _money(h["人均日供水量(升)"])
        if litres is not None and litres < params["water_min_litres"]:
            out.add(("WAT-001", number, ""))
            failing_item = True
        fetch = _int(h["取水往返时间(分钟)"])
        if _bool(h["是否供水入户"]) is False and fetch is not None and fetch > params["water_max_fetch_minutes"]:
            out.add(("WAT-002", number, ""))
            failing_item = True
        if _bool(h["水质是否达标"]) is False:
            out.add(("WAT-003", number, ""))
            failing_item = True
        outage = _int(h["年停水天数"])
        if outage is not None and outage > params["water_max_outage_days"]:
            out.add(("WAT-004", number, ""))
            failing_item = True
        if _bool(h["是否不愁吃"]) is False:
            out.add(("FOO-001", number, ""))
            failing_item = True
        if _bool(h["是否不愁穿"]) is False:
            out.add(("FOO-002", number, ""))
            failing_item = True

        components = [
            _money(h[name]) or Decimal(0) for name in ("工资性收入", "生产经营性收入", "财产性收入", "转移性收入")
        ]
        costs = _money(h["生产经营性支出"]) or Decimal(0)
        if normal:
            per_capita = (sum(components) - costs) / len(normal)
            if exited and not monitored and per_capita < params["poverty_line"]:
                out.add(("INC-001", number, ""))
            if not monitored and per_capita < params["monitoring_line"]:
                out.add(("INC-002", number, ""))
            if eliminated and per_capita < params["monitoring_line"]:
                out.add(("INC-003", number, ""))
            stated = _money(h["人均纯收入"])
            if stated is not None and abs(stated - per_capita) > 1:
                out.add(("INC-004", number, ""))
        if any(value < 0 for value in [*components, costs]):
            out.add(("INC-005", number, ""))
        if monitored and h["风险类型"] == "":
            out.add(("MON-001", number, ""))
        if eliminated and failing_item:
            out.add(("MON-002", number, ""))
        if eliminated and not any(m["劳动技能"] in ABLE_TO_WORK for m in normal):
            out.add(("MON-003", number, ""))
        if h["行政区划代码"] not in village_codes:
            out.add(("DQ-009", number, ""))
        phone = h["联系电话"].strip()
        if phone and not (len(phone) == 11 and phone.isdigit()):
            out.add(("DQ-011", number, ""))
        size = _int(h["家庭人口数"])
        if size is not None and size > len(normal):
            out.add(("DQ-013", number, ""))

    for pid, numbers in seen_ids.items():
        if len(numbers) > 1:
            for number in numbers:
                out.add(("DQ-003", number, pid))
    return out
