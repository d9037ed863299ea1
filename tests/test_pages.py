"""The registry pages render for every persona that may see them, show what they should, and stay cheap."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import (
    COUNTY,
    PROVINCE,
    TOWN_A,
    TOWN_B,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    add_households,
)
from jingzhun.registry.idnumber import mask

pytestmark = pytest.mark.django_db


def region_url(code: str) -> str:
    return reverse("registry:region", args=[code])


def list_url(code: str) -> str:
    return reverse("registry:household-list", args=[code])


def household_url(household) -> str:
    return reverse("registry:household", args=[household.pk])


# --- anonymous users ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("home"),
        reverse("registry:no-region"),
        reverse("registry:region", args=[COUNTY]),
        reverse("registry:region-children", args=[COUNTY]),
        reverse("registry:household-list", args=[COUNTY]),
        reverse("registry:household", args=[1]),
    ],
)
def test_anonymous_users_are_redirected_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_signing_in_leads_to_the_users_region(client, personas):
    from conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "town_officer", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == region_url(TOWN_A)
    assert "富林镇" in response.content.decode()


def test_logout_is_a_post_form(login, personas):
    client = login(personas.county_officer)
    page = client.get(region_url(COUNTY)).content.decode()
    assert f'method="post" action="{reverse("logout")}"' in page
    client.post(reverse("logout"))
    assert client.get(region_url(COUNTY)).status_code == 302


# --- home and no region ------------------------------------------------------------------------------------------


def test_home_sends_each_user_to_their_region(login, personas, regions):
    for user, code in [
        (personas.county_officer, COUNTY),
        (personas.town_officer, TOWN_A),
        (personas.village_cadre, VILLAGE_B),
        (personas.superuser, PROVINCE),
    ]:
        response = login(user).get(reverse("home"))
        assert response["Location"] == region_url(code), user


def test_a_user_without_region_sees_the_no_region_page(login, personas):
    client = login(personas.no_region)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 403
    assert response.templates[0].name == "registry/no_region.html"


# --- region page -------------------------------------------------------------------------------------------------


def test_the_county_page_lists_its_towns_with_counts(login, personas, registry):
    response = login(personas.county_officer).get(region_url(COUNTY))
    assert response.status_code == 200
    rows = {row.region.code: row.counts for row in response.context["rows"]}
    assert list(rows) == [TOWN_A, TOWN_B]
    town_a = rows[TOWN_A]
    assert (town_a.households, town_a.persons, town_a.exited, town_a.ordinary, town_a.monitored) == (4, 12, 2, 2, 2)
    total = response.context["total"]
    assert (total.households, total.persons, total.monitored) == (8, 24, 4)


def test_the_region_counts_are_one_grouped_query(login, personas, registry):
    client = login(personas.county_officer)
    with CaptureQueriesContext(connection) as queries:
        client.get(region_url(COUNTY))
    household_queries = [q["sql"] for q in queries if "registry_household" in q["sql"]]
    assert len(household_queries) == 1
    assert "GROUP BY" in household_queries[0].upper()


def test_the_region_page_carries_the_chart_data_and_no_inline_script(login, personas, registry):
    page = login(personas.county_officer).get(region_url(COUNTY)).content.decode()
    start = page.index('<script id="region-chart-data" type="application/json">') + len(
        '<script id="region-chart-data" type="application/json">'
    )
    data = json.loads(page[start : page.index("</script>", start)])
    assert data["categories"] == ["富林镇", "九襄镇"]
    assert [series["data"] for series in data["series"]] == [[2, 2], [2, 2], [2, 2]]
    assert "region_chart.js" in page
    # Every <script> either loads a file or holds JSON data: nothing a strict CSP would refuse.
    for chunk in page.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or 'type="application/json"' in tag


def test_breadcrumbs_link_only_regions_in_the_users_scope(login, personas, registry):
    page = login(personas.town_officer).get(list_url(VILLAGE_B)).content.decode()
    for name in ("四川省", "雅安市", "汉源县"):
        assert name in page
    assert f'href="{region_url(COUNTY)}"' not in page
    assert f'href="{region_url(CITY_CODE)}"' not in page
    assert f'href="{region_url(TOWN_A)}"' in page
    assert f'href="{region_url(VILLAGE_B)}"' in page


CITY_CODE = "511800000000"


def test_expanding_a_town_loads_its_villages_in_place(login, personas, registry):
    client = login(personas.county_officer)
    response = client.get(reverse("registry:region-children", args=[TOWN_A]) + "?depth=1", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "新民村" in page and "河西村" in page
    assert 'data-depth="1"' in page


def test_a_village_page_has_no_chart_but_links_to_its_households(login, personas, registry):
    page = login(personas.village_cadre).get(region_url(VILLAGE_B)).content.decode()
    assert "region-chart-data" not in page
    assert f'href="{list_url(VILLAGE_B)}"' in page


# --- household list ----------------------------------------------------------------------------------------------


def test_the_household_list_shows_heads_villages_types_and_member_counts(login, personas, registry):
    response = login(personas.county_officer).get(list_url(COUNTY))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 8
    page = response.content.decode()
    head = registry.head(VILLAGE_C)
    assert head.name in page
    assert head.id_number not in page and mask(head.id_number) in page  # masked for everyone on pages
    assert "清溪村" in page
    first = response.context["rows"][0]
    assert first.member_count == 3


def test_the_household_list_filters_by_type_and_monitoring_category(login, personas, registry):
    client = login(personas.county_officer)
    assert client.get(list_url(COUNTY), {"type": "一般农户"}).context["page"].paginator.count == 4
    assert client.get(list_url(COUNTY), {"category": "脱贫不稳定户"}).context["page"].paginator.count == 4
    assert client.get(list_url(COUNTY), {"category": "any"}).context["page"].paginator.count == 4
    assert client.get(list_url(COUNTY), {"category": "none"}).context["page"].paginator.count == 4
    assert client.get(list_url(COUNTY), {"type": "nonsense"}).context["page"].paginator.count == 8


def test_the_household_list_searches_by_member_name_and_full_id(login, personas, registry):
    client = login(personas.county_officer)
    head = registry.head(VILLAGE_C, 1)
    by_name = client.get(list_url(COUNTY), {"q": head.name})
    assert [row.household.pk for row in by_name.context["rows"]] == [head.household_id]
    by_id = client.get(list_url(COUNTY), {"q": head.id_number.lower()}, follow=True)
    assert [row.household.pk for row in by_id.context["rows"]] == [head.household_id]
    partial_id = client.get(list_url(COUNTY), {"q": head.id_number[:10]})
    assert partial_id.context["page"].paginator.count == 0


def test_the_household_list_pages_and_shows_the_total(login, personas, regions, settings):
    settings.REGISTRY_PAGE_SIZE = 5
    add_households(VILLAGE_A, 12)
    client = login(personas.county_officer)
    first = client.get(list_url(COUNTY))
    assert first.context["page"].paginator.count == 12
    assert len(first.context["rows"]) == 5
    third = client.get(list_url(COUNTY), {"page": 3})
    assert len(third.context["rows"]) == 2
    numbers = [
        row.household.number
        for page in (1, 2, 3)
        for row in client.get(list_url(COUNTY), {"page": page}).context["rows"]
    ]
    assert numbers == sorted(numbers) and len(set(numbers)) == 12


def test_an_htmx_request_gets_the_results_only_with_the_address_to_push(login, personas, registry):
    client = login(personas.county_officer)
    response = client.get(list_url(COUNTY), {"type": "脱贫户"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page and "<table" in page
    assert response["HX-Push-Url"].startswith(list_url(COUNTY) + "?type=")
    assert "HX-Request" in response["Vary"]


# --- household page ----------------------------------------------------------------------------------------------


def test_the_household_page_shows_groups_members_and_income(login, personas, registry):
    household = registry.household(VILLAGE_B)
    response = login(personas.village_cadre).get(household_url(household))
    assert response.status_code == 200
    page = response.content.decode()
    for person in household.members.all():
        assert person.name in page
        assert mask(person.id_number) in page and person.id_number not in page
    assert [group["key"] for group in response.context["groups"]] == [
        "basic",
        "monitoring",
        "housing",
        "water",
        "cadre",
    ]
    assert "周干部" in page and "139****4321" in page and "13987654321" not in page
    # (12000 + 3000 + 500 + 2500 − 1500) ÷ 3 = 5500.00
    assert "5,500.00" in page or "5500.00" in page
    assert "✓" in page and "✗" in page
    members = response.context["members"]
    assert members[0].relation == "户主"
    assert members[0].age_today >= 50


def test_the_household_page_renders_for_every_persona_above_it(login, personas, registry):
    household = registry.household(VILLAGE_B)
    for user in (personas.county_officer, personas.town_officer, personas.village_cadre, personas.viewer):
        assert login(user).get(household_url(household)).status_code == 200, user
    assert login(personas.superuser).get(household_url(household)).status_code == 200


# --- every page for every persona that may see it ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "code"),
    [
        ("county_officer", COUNTY),
        ("town_officer", TOWN_A),
        ("village_cadre", VILLAGE_B),
        ("viewer", COUNTY),
        ("outsider", "511824000000"),
        ("superuser", PROVINCE),
        ("superuser", TOWN_B),
    ],
)
def test_each_persona_sees_its_region_pages(login, personas, registry, persona, code):
    client = login(getattr(personas, persona))
    assert client.get(region_url(code)).status_code == 200
    assert client.get(list_url(code)).status_code == 200
    assert client.get(reverse("registry:region-children", args=[code])).status_code == 200


# --- query counts ------------------------------------------------------------------------------------------------


def count_queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["region", "list", "household"])
def test_page_queries_do_not_grow_with_households_or_members(login, personas, regions, page, settings):
    settings.REGISTRY_PAGE_SIZE = 50
    client = login(personas.county_officer)

    def url() -> str:
        if page == "region":
            return region_url(COUNTY)
        if page == "list":
            return list_url(COUNTY)
        from jingzhun.registry.models import Household

        return household_url(Household.objects.filter(village_id=VILLAGE_A).order_by("pk").first())

    add_households(VILLAGE_A, 2, members=2)
    small = count_queries(client, url())
    add_households(VILLAGE_A, 40, members=6, start=100)
    add_households(VILLAGE_C, 40, members=4, start=100)
    from jingzhun.registry.models import Household, Person

    first = Household.objects.filter(village_id=VILLAGE_A).order_by("pk").first()
    from conftest import make_members

    Person.objects.bulk_create(make_members(first, 6)[2:])  # a bigger household for the household page
    large = count_queries(client, url())
    assert small == large
    # Session, user, region, breadcrumbs, the page's own queries, the nav's region, the session save (with a
    # savepoint pair inside the test's transaction): a dozen at most, whatever the size of the county.
    assert large <= 12
