"""Each persona sees its own subtree and nothing else, by page, list, search or URL; the rest answers 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_VILLAGE,
    TOWN_A,
    TOWN_B,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    VILLAGE_D,
)

pytestmark = pytest.mark.django_db


def listed_numbers(client, code: str, **params) -> set[str]:
    # follow: a full ID searched by a user without the personal-data right is answered with a masked redirect.
    response = client.get(reverse("registry:household-list", args=[code]), params, follow=True)
    assert response.status_code == 200
    return {row.household.number for row in response.context["rows"]}


def numbers_in(registry, *villages: str) -> set[str]:
    return {household.number for village in villages for household in registry.households[village]}


# --- village cadre of village B ---------------------------------------------------------------------------------


def test_a_village_cadre_lists_only_their_village(login, personas, registry):
    client = login(personas.village_cadre)
    assert listed_numbers(client, VILLAGE_B) == numbers_in(registry, VILLAGE_B)


@pytest.mark.parametrize("code", [VILLAGE_A, TOWN_A, COUNTY, VILLAGE_C, OTHER_COUNTY])
def test_a_village_cadre_gets_404_for_any_other_region(login, personas, registry, code):
    client = login(personas.village_cadre)
    assert client.get(reverse("registry:region", args=[code])).status_code == 404
    assert client.get(reverse("registry:household-list", args=[code])).status_code == 404
    assert client.get(reverse("registry:region-children", args=[code])).status_code == 404


@pytest.mark.parametrize("village", [VILLAGE_A, VILLAGE_C, OTHER_VILLAGE])
def test_a_village_cadre_gets_404_for_another_villages_household(login, personas, registry, village):
    client = login(personas.village_cadre)
    response = client.get(reverse("registry:household", args=[registry.household(village).pk]))
    assert response.status_code == 404


def test_a_missing_household_and_a_foreign_one_answer_alike(login, personas, registry):
    client = login(personas.village_cadre)
    foreign = client.get(reverse("registry:household", args=[registry.household(VILLAGE_A).pk]))
    missing = client.get(reverse("registry:household", args=[999_999]))
    assert foreign.status_code == missing.status_code == 404


def test_a_village_cadre_cannot_find_another_village_by_search(login, personas, registry):
    client = login(personas.village_cadre)
    other_head = registry.head(VILLAGE_A)
    assert listed_numbers(client, VILLAGE_B, q=other_head.name) == set()
    assert listed_numbers(client, VILLAGE_B, q=other_head.id_number) == set()
    assert listed_numbers(client, VILLAGE_B, q=registry.household(VILLAGE_A).number) == set()
    page = client.get(reverse("registry:household-list", args=[VILLAGE_B]), {"q": other_head.name})
    assert other_head.name in page.content.decode()  # echoed in the search box only
    assert registry.household(VILLAGE_A).number not in page.content.decode()


# --- town officer of town A -------------------------------------------------------------------------------------


def test_a_town_officer_sees_their_town_only(login, personas, registry):
    client = login(personas.town_officer)
    assert listed_numbers(client, TOWN_A) == numbers_in(registry, VILLAGE_A, VILLAGE_B)
    response = client.get(reverse("registry:region", args=[TOWN_A]))
    assert [row.region.code for row in response.context["rows"]] == [VILLAGE_A, VILLAGE_B]
    assert response.context["total"].households == 4


@pytest.mark.parametrize("code", [TOWN_B, VILLAGE_C, VILLAGE_D, COUNTY, OTHER_COUNTY])
def test_a_town_officer_gets_404_outside_their_town(login, personas, registry, code):
    client = login(personas.town_officer)
    assert client.get(reverse("registry:region", args=[code])).status_code == 404
    assert client.get(reverse("registry:household-list", args=[code])).status_code == 404


def test_a_town_officer_cannot_open_town_b_households(login, personas, registry):
    client = login(personas.town_officer)
    for village in (VILLAGE_C, VILLAGE_D):
        response = client.get(reverse("registry:household", args=[registry.household(village).pk]))
        assert response.status_code == 404
    head = registry.head(VILLAGE_C)
    assert listed_numbers(client, TOWN_A, q=head.id_number) == set()


# --- county officer, outsider, superuser, no region --------------------------------------------------------------


def test_a_county_officer_sees_the_whole_county_and_not_the_other(login, personas, registry):
    client = login(personas.county_officer)
    assert listed_numbers(client, COUNTY) == numbers_in(registry, VILLAGE_A, VILLAGE_B, VILLAGE_C, VILLAGE_D)
    assert client.get(reverse("registry:region", args=[OTHER_COUNTY])).status_code == 404
    response = client.get(reverse("registry:household", args=[registry.household(OTHER_VILLAGE).pk]))
    assert response.status_code == 404


def test_the_outsider_sees_none_of_the_county(login, personas, registry):
    client = login(personas.outsider)
    for code in (COUNTY, TOWN_A, VILLAGE_B):
        assert client.get(reverse("registry:region", args=[code])).status_code == 404
        assert client.get(reverse("registry:household-list", args=[code])).status_code == 404
    for village in (VILLAGE_A, VILLAGE_B, VILLAGE_C, VILLAGE_D):
        response = client.get(reverse("registry:household", args=[registry.household(village).pk]))
        assert response.status_code == 404
    assert listed_numbers(client, OTHER_COUNTY) == numbers_in(registry, OTHER_VILLAGE)
    assert listed_numbers(client, OTHER_COUNTY, q=registry.head(VILLAGE_A).id_number) == set()


def test_the_outsider_sees_the_shared_ancestors_as_names_without_links(login, personas, registry):
    page = login(personas.outsider).get(reverse("registry:region", args=[OTHER_COUNTY])).content.decode()
    assert "雅安市" in page
    assert reverse("registry:region", args=["511800000000"]) not in page
    assert "汉源县" not in page  # a sibling county is not even named


def test_a_user_without_region_sees_nothing(login, personas, registry):
    client = login(personas.no_region)
    assert client.get(reverse("registry:region", args=[COUNTY])).status_code == 404
    assert client.get(reverse("registry:household-list", args=[COUNTY])).status_code == 404
    response = client.get(reverse("registry:household", args=[registry.household(VILLAGE_B).pk]))
    assert response.status_code == 404


def test_a_superuser_without_region_sees_everything(login, personas, registry):
    client = login(personas.superuser)
    assert listed_numbers(client, "510000000000") == numbers_in(
        registry, VILLAGE_A, VILLAGE_B, VILLAGE_C, VILLAGE_D, OTHER_VILLAGE
    )


def test_an_inactive_user_is_sent_back_to_login(login, personas, registry):
    personas.county_officer.is_active = False
    personas.county_officer.save()
    client = login(personas.county_officer)
    assert client.get(reverse("registry:region", args=[COUNTY])).status_code == 302


def test_the_permission_table_is_data_an_administrator_can_change(personas, registry):
    from jingzhun.accounts.models import FunctionPermission, User
    from jingzhun.registry import masking

    assert masking.can_reveal(User.objects.get(pk=personas.county_officer.pk))
    assert not masking.can_reveal(User.objects.get(pk=personas.viewer.pk))
    FunctionPermission.objects.filter(function="data_officer", permission="view_personal_data").delete()
    FunctionPermission.objects.create(function="viewer", permission="view_personal_data")
    assert not masking.can_reveal(User.objects.get(pk=personas.county_officer.pk))  # a fresh user object
    assert masking.can_reveal(User.objects.get(pk=personas.viewer.pk))
