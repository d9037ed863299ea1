"""Chinese is the default language, English works after set_language, and the catalogue is complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation

from conftest import COUNTY, VILLAGE_B
from jingzhun.registry import choices

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"

# One English msgid, several Chinese words in choices.py: gettext has one translation per msgid, so these labels
# show the first word in every field (choices.py could give them a pgettext context).
SHARED_MSGIDS = {
    (choices.RiskType, "因残"),  # "disability" is 残疾, as in HealthCondition
    (choices.PovertyCause, "因残"),
    (choices.PovertyCause, "缺劳力"),  # "lack of labour" is 缺劳动力, as in RiskType
    (choices.PovertyCause, "其它"),  # "other" is 其他
}
# Enumerations whose stored values are English words (their labels still translate).
ENGLISH_VALUES = {choices.RegionLevel}


def text_choices():
    return [
        value
        for value in vars(choices).values()
        if isinstance(value, type) and issubclass(value, models.TextChoices) and value is not models.TextChoices
    ]


def test_pages_are_in_chinese_by_default(login, personas, registry):
    client = login(personas.county_officer)
    response = client.get(reverse("registry:household-list", args=[COUNTY]))
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "<td>脱贫户</td>" in page
    assert "<td>一般农户</td>" in page
    assert "户类型" in page and "监测对象类别" in page
    assert "退出登录" in page


def test_english_works_after_set_language(login, personas, registry):
    client = login(personas.county_officer)
    url = reverse("registry:household-list", args=[COUNTY])
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page
    assert "<td>exited household</td>" in page
    assert "<td>脱贫户</td>" not in page
    assert "Log out" in page
    household = client.get(reverse("registry:household", args=[registry.household(VILLAGE_B).pk])).content.decode()
    assert "Responsible cadre" in household and "head" in household
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert "<td>脱贫户</td>" in client.get(url).content.decode()


def test_the_household_page_shows_chinese_labels(login, personas, registry):
    client = login(personas.village_cadre)
    page = client.get(reverse("registry:household", args=[registry.household(VILLAGE_B).pk])).content.decode()
    for word in ("户主", "配偶", "之子", "帮扶责任人", "人均纯收入", "长期慢性病、残疾", "脱贫不稳定户", "因病、因残"):
        assert word in page, word


def test_every_choice_label_translates_to_the_national_systems_word():
    for enum in text_choices():
        for member in enum:
            with translation.override("en"):
                english = str(member.label)
            with translation.override("zh-hans"):
                label = str(member.label)
            if enum in ENGLISH_VALUES:
                assert re.search(r"[\u4e00-\u9fff]", label), (enum.__name__, english)
            elif (enum, member.value) not in SHARED_MSGIDS:
                assert label == member.value, (enum.__name__, member.value, label)
            else:
                assert re.search(r"[\u4e00-\u9fff]", label), (enum.__name__, member.value, label)


def test_model_verbose_names_are_translated():
    from django.apps import apps

    with translation.override("zh-hans"):
        for model in apps.get_app_config("registry").get_models():
            for field in model._meta.get_fields():
                name = getattr(field, "verbose_name", None)
                if name and not isinstance(field, models.AutoField):
                    assert re.search(r"[\u4e00-\u9fff]", str(name)), (model.__name__, field.name, name)


def test_the_catalogue_has_no_empty_or_fuzzy_entries_and_is_compiled():
    po = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    assert entries
    for entry in entries:
        assert "#, fuzzy" not in entry, entry
        assert not re.search(r'^msgstr(\[0\])? ""$(?!\n")', entry, re.MULTILINE), entry
    mo = CATALOGUE / "django.mo"
    assert mo.exists() and mo.stat().st_size > 1000


def test_a_browser_set_to_english_still_gets_chinese_until_english_is_chosen(client):
    response = client.get("/login/", headers={"accept-language": "en"})
    assert 'lang="zh-hans"' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert 'lang="en"' in client.get("/login/", headers={"accept-language": "zh-hans"}).content.decode()
