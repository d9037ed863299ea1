"""Enumerations of the registry, one class per field of the national registry file.

Stored values are the Chinese strings that the national system exports (so imported files, exports and rule
expressions use the words county offices know); labels are English msgids translated back to Chinese by the
zh_Hans catalogue, so the English UI shows English words.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):  # 行政区划级别
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county")
    TOWN = "town", _("town")
    VILLAGE = "village", _("village")


class HouseholdType(models.TextChoices):  # 户类型
    EXITED = "脱贫户", _("exited household")
    ORDINARY = "一般农户", _("ordinary rural household")


class PovertyAttribute(models.TextChoices):  # 贫困户属性
    GENERAL = "一般", _("general")
    DIBAO = "低保", _("minimum living allowance (dibao)")
    TEKUN = "特困供养", _("destitute support (tekun)")


class MonitoringCategory(models.TextChoices):  # 监测对象类别
    UNSTABLE = "脱贫不稳定户", _("unstable exited household")
    MARGINAL = "边缘易致贫户", _("marginal household at risk")
    SUDDEN_HARDSHIP = "突发严重困难户", _("household in sudden hardship")


class RiskType(models.TextChoices):  # 风险类型 (up to 5 per household)
    ILLNESS = "因病", _("illness")
    DISABILITY = "因残", pgettext_lazy("risk type", "disability")
    SCHOOLING = "因学", _("schooling costs")
    DISASTER = "因灾", _("disaster")
    ACCIDENT = "因意外事故", _("accident")
    BUSINESS_FAILURE = "因产业项目失败", _("failed business project")
    UNSTABLE_EMPLOYMENT = "因务工就业不稳", _("unstable employment")
    LACK_OF_LABOUR = "缺劳动力", pgettext_lazy("risk type", "lack of labour")
    OTHER = "其他", _("other")


class RiskEliminationMethod(models.TextChoices):  # 风险消除方式
    ASSISTED = "帮扶消除", _("assisted")
    NATURAL = "自然消除", _("natural")


class PovertyCause(models.TextChoices):  # 主要致贫原因
    ILLNESS = "因病", _("illness")
    DISABILITY = "因残", pgettext_lazy("poverty cause", "disability")
    SCHOOLING = "因学", _("schooling costs")
    DISASTER = "因灾", _("disaster")
    LACK_OF_LAND = "缺土地", _("lack of land")
    LACK_OF_WATER = "缺水", _("lack of water")
    LACK_OF_SKILLS = "缺技术", _("lack of skills")
    LACK_OF_LABOUR = "缺劳力", pgettext_lazy("poverty cause", "lack of labour")
    LACK_OF_CAPITAL = "缺资金", _("lack of capital")
    POOR_TRANSPORT = "交通条件落后", _("poor transport")
    LACK_OF_DRIVE = "自身发展动力不足", _("lack of own drive")
    OTHER = "其它", pgettext_lazy("poverty cause", "other")


class HousingGrade(models.TextChoices):  # 住房安全鉴定等级
    A = "A", _("A: safe")
    B = "B", _("B: basically safe")
    C = "C", _("C: partly dangerous")
    D = "D", _("D: dangerous")
    NOT_APPRAISED = "未鉴定", _("not appraised")


class SafeHousingMeasure(models.TextChoices):  # 住房安全保障方式
    ORIGINAL = "原住房安全", _("original house safe")
    RENOVATION = "危房改造", _("dangerous-house renovation")
    RELOCATION = "易地扶贫搬迁", _("poverty relocation")
    OTHER_SAFE = "其他安全住房", _("other safe housing")
    NONE = "无", _("none")


class IdType(models.TextChoices):  # 证件类型
    RESIDENT_ID = "居民身份证", _("resident ID card")
    DISABILITY_CERT = "残疾人证", _("disability certificate")
    OTHER = "其他", _("other")


class Sex(models.TextChoices):  # 性别
    MALE = "男", _("male")
    FEMALE = "女", _("female")


class Relation(models.TextChoices):  # 与户主关系
    HEAD = "户主", _("head")
    SPOUSE = "配偶", _("spouse")
    SON = "之子", _("son")
    DAUGHTER = "之女", _("daughter")
    SON_IN_LAW = "之女婿", _("son-in-law")
    DAUGHTER_IN_LAW = "之儿媳", _("daughter-in-law")
    GRANDSON = "之孙子", _("grandson")
    GRANDDAUGHTER = "之孙女", _("granddaughter")
    GREAT_GRANDCHILD = "之曾孙子女", _("great-grandchild")
    GRANDSON_IN_LAW = "之孙女婿", _("granddaughter's husband")
    GRANDDAUGHTER_IN_LAW = "之孙媳妇", _("grandson's wife")
    FATHER = "之父", _("father")
    MOTHER = "之母", _("mother")
    FATHER_IN_LAW = "之岳父", _("father-in-law")
    MOTHER_IN_LAW = "之岳母", _("mother-in-law")
    SPOUSE_FATHER = "之公公", _("husband's father")
    SPOUSE_MOTHER = "之婆婆", _("husband's mother")
    GRANDFATHER = "之祖父", _("grandfather")
    GRANDMOTHER = "之祖母", _("grandmother")
    OTHER_GRANDFATHER = "之外祖父", _("maternal grandfather")
    OTHER_GRANDMOTHER = "之外祖母", _("maternal grandmother")
    SIBLING = "兄弟姐妹", _("sibling")
    OTHER = "其他", _("other")


#: Relations whose members are a generation below the head (DQ-008 compares their age with the head's).
CHILD_RELATIONS = frozenset({Relation.SON, Relation.DAUGHTER})
GRANDCHILD_RELATIONS = frozenset({Relation.GRANDSON, Relation.GRANDDAUGHTER})


class PersonStatus(models.TextChoices):  # 人员状态
    NORMAL = "正常", _("normal")
    DECEASED = "死亡", _("deceased")
    MOVED_OUT = "迁出", _("moved out")


class Ethnicity(models.TextChoices):  # 民族 (the most common in the registry; 其他 for the rest)
    HAN = "汉族", _("Han")
    YI = "彝族", _("Yi")
    TIBETAN = "藏族", _("Tibetan")
    QIANG = "羌族", _("Qiang")
    MIAO = "苗族", _("Miao")
    HUI = "回族", _("Hui")
    TUJIA = "土家族", _("Tujia")
    ZHUANG = "壮族", _("Zhuang")
    BUYEI = "布依族", _("Buyei")
    DONG = "侗族", _("Dong")
    YAO = "瑶族", _("Yao")
    BAI = "白族", _("Bai")
    HANI = "哈尼族", _("Hani")
    UYGHUR = "维吾尔族", _("Uyghur")
    MONGOL = "蒙古族", _("Mongol")
    OTHER = "其他", _("other")


class EducationLevel(models.TextChoices):  # 文化程度 (for people not in school)
    ILLITERATE = "文盲或半文盲", _("illiterate or semi-literate")
    PRIMARY = "小学", _("primary school")
    JUNIOR = "初中", _("junior secondary")
    SENIOR = "高中", _("senior secondary")
    COLLEGE = "大专", _("junior college")
    BACHELOR_PLUS = "本科及以上", _("bachelor or above")


class SchoolStatus(models.TextChoices):  # 在校生状况
    PRESCHOOL_CHILD = "学龄前儿童", _("pre-school child")
    PRESCHOOL_EDUCATION = "学前教育", _("pre-school education")
    PRIMARY = "小学", _("primary school")
    GRADE_7 = "七年级", _("grade 7")
    GRADE_8 = "八年级", _("grade 8")
    GRADE_9 = "九年级", _("grade 9")
    SENIOR_HIGH = "普通高中", _("senior high school")
    VOCATIONAL_SECONDARY = "中职", _("secondary vocational")
    VOCATIONAL_COLLEGE = "高职高专", _("higher vocational college")
    TECHNICIAN_COLLEGE = "技师学院", _("technician college")
    BACHELOR = "本科", _("undergraduate")
    POSTGRADUATE = "硕士研究生及以上", _("postgraduate")
    NOT_IN_SCHOOL = "非在校生", _("not in school")


#: School statuses that mean "in education now" (DQ-010: these people have no 文化程度).
STUDENT_STATUSES = frozenset(SchoolStatus) - {SchoolStatus.PRESCHOOL_CHILD, SchoolStatus.NOT_IN_SCHOOL}


class HealthCondition(models.TextChoices):  # 健康状况 (several allowed, except 健康 with another)
    HEALTHY = "健康", _("healthy")
    CHRONIC = "长期慢性病", _("long-term chronic illness")
    SERIOUS = "患有大病", _("serious illness")
    DISABLED = "残疾", _("disability")


class DisabilityType(models.TextChoices):  # 残疾类别
    VISUAL = "视力残疾", _("visual")
    HEARING = "听力残疾", _("hearing")
    SPEECH = "言语残疾", _("speech")
    PHYSICAL = "肢体残疾", _("physical")
    INTELLECTUAL = "智力残疾", _("intellectual")
    MENTAL = "精神残疾", _("mental")
    MULTIPLE = "多重残疾", _("multiple")


class DisabilityGrade(models.TextChoices):  # 残疾等级
    GRADE_1 = "一级", _("grade 1 (most severe)")
    GRADE_2 = "二级", _("grade 2")
    GRADE_3 = "三级", _("grade 3")
    GRADE_4 = "四级", _("grade 4")


class LabourCapacity(models.TextChoices):  # 劳动技能
    ORDINARY = "普通劳动力", _("ordinary labour")
    SKILLED = "技能劳动力", _("skilled labour")
    WEAK = "弱劳动力或半劳动力", _("weak or half labour")
    LOST = "丧失劳动力", _("lost labour capacity")
    NONE = "无劳动力", _("no labour capacity")


#: Labour capacities that count as "able to work" (MON-003 looks for households with none).
WORKING_CAPACITIES = frozenset({LabourCapacity.ORDINARY, LabourCapacity.SKILLED, LabourCapacity.WEAK})


class MigrantStatus(models.TextChoices):  # 务工状况
    IN_COUNTY = "县内务工", _("working inside the county")
    OUT_OF_COUNTY = "县外省内务工", _("working outside the county, in the province")
    OUT_OF_PROVINCE = "省外务工", _("working outside the province")
    NONE = "未务工", _("not a migrant worker")
