"""ID and phone numbers are masked on every page; revealing one is a deliberate, logged POST (with the right)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import COUNTY, VILLAGE_A, VILLAGE_B, VILLAGE_C
from jingzhun.registry.idnumber import mask

pytestmark = pytest.mark.django_db


def list_url(code: str) -> str:
    return reverse("registry:household-list", args=[code])


def test_the_viewer_sees_masked_ids_in_the_list(login, personas, registry):
    page = login(personas.viewer).get(list_url(COUNTY)).content.decode()
    for village in registry.households:
        if village.startswith("511823"):
            for household in registry.households[village]:
                head = registry.head(village, registry.households[village].index(household))
                assert head.id_number not in page
                assert mask(head.id_number) in page


def test_the_viewer_sees_masked_ids_and_phones_on_the_household_page(login, personas, registry):
    household = registry.household(VILLAGE_B)
    page = login(personas.viewer).get(reverse("registry:household", args=[household.pk])).content.decode()
    for person in household.members.all():
        assert person.name in page
        assert person.id_number not in page
        assert mask(person.id_number) in page
    assert "13812345678" not in page and "138****5678" in page
    assert "13987654321" not in page and "139****4321" in page


def test_even_the_data_officer_sees_masked_ids_and_phones_until_revealing_one(login, personas, registry):
    household = registry.household(VILLAGE_B)
    for user in (personas.county_officer, personas.village_cadre):
        page = login(user).get(reverse("registry:household", args=[household.pk])).content.decode()
        for person in household.members.all():
            assert person.id_number not in page and mask(person.id_number) in page
        assert "13812345678" not in page and "13987654321" not in page
        assert reverse("registry:reveal", args=["household", household.pk, "phone"]) in page  # the button


def test_revealing_an_id_shows_it_once_and_records_who_did(login, personas, registry):
    from jingzhun.audit.models import AuditEntry

    head = registry.head(VILLAGE_B)
    client = login(personas.village_cadre)
    url = reverse("registry:reveal", args=["person", head.pk, "id_number"])
    assert client.get(url).status_code == 405  # a deliberate POST, never a link to follow
    response = client.post(url)
    assert response.status_code == 200 and head.id_number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="reveal")
    assert (entry.actor_name, entry.object_type, entry.object_id) == ("village_cadre", "registry.person", str(head.pk))
    assert entry.changes == {"field": "id_number"}


def test_revealing_needs_the_right_and_the_region(login, personas, registry):
    from jingzhun.audit.models import AuditEntry

    head = registry.head(VILLAGE_B)
    url = reverse("registry:reveal", args=["person", head.pk, "id_number"])
    assert login(personas.viewer).post(url).status_code == 403  # in region, without the right
    assert login(personas.outsider).post(url).status_code == 404  # another county: as if it did not exist
    other = registry.head(VILLAGE_A)
    assert (
        login(personas.village_cadre)
        .post(reverse("registry:reveal", args=["person", other.pk, "id_number"]))
        .status_code
        == 404
    )
    bad = reverse("registry:reveal", args=["person", head.pk, "name"])
    assert login(personas.county_officer).post(bad).status_code == 404  # only ID and phone numbers
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_the_town_checker_sees_masked_ids(login, personas, registry):
    household = registry.household(VILLAGE_B)
    page = login(personas.town_officer).get(reverse("registry:household", args=[household.pk])).content.decode()
    assert registry.head(VILLAGE_B).id_number not in page


def test_a_full_id_searched_by_the_viewer_is_never_echoed(login, personas, registry):
    client = login(personas.viewer)
    head = registry.head(VILLAGE_C)
    masked = mask(head.id_number)
    response = client.get(list_url(COUNTY), {"q": head.id_number})
    # Answered with the masked address, so the full number stays out of the history and the server's logs.
    assert response.status_code == 302
    assert head.id_number not in response["Location"]
    response = client.get(response["Location"])
    page = response.content.decode()
    assert head.id_number not in page
    assert f'value="{masked}"' in page
    assert [row.household.pk for row in response.context["rows"]] == [head.household_id]


def test_the_masked_search_term_still_finds_the_household_on_the_next_page_or_filter(login, personas, registry):
    client = login(personas.viewer)
    head = registry.head(VILLAGE_C)
    client.get(list_url(COUNTY), {"q": head.id_number})
    response = client.get(list_url(COUNTY), {"q": mask(head.id_number), "type": "脱贫户"})
    assert [row.household.pk for row in response.context["rows"]] == [head.household_id]


def test_a_masked_term_the_session_does_not_know_finds_nothing(login, personas, registry):
    client = login(personas.viewer)
    head = registry.head(VILLAGE_C)
    response = client.get(list_url(COUNTY), {"q": mask(head.id_number)})
    assert response.context["page"].paginator.count == 0


def test_an_htmx_search_by_the_viewer_pushes_the_masked_address(login, personas, registry):
    client = login(personas.viewer)
    head = registry.head(VILLAGE_C)
    response = client.get(list_url(COUNTY), {"q": head.id_number}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert head.id_number not in response.content.decode()
    assert head.id_number not in response["HX-Push-Url"]
    assert [row.household.pk for row in response.context["rows"]] == [head.household_id]


def test_a_full_id_searched_by_the_data_officer_finds_the_household_but_shows_it_masked(login, personas, registry):
    client = login(personas.county_officer)
    head = registry.head(VILLAGE_C)
    response = client.get(list_url(COUNTY), {"q": head.id_number}, follow=True)
    assert response.status_code == 200
    assert [row.household.pk for row in response.context["rows"]] == [head.household_id]
    assert head.id_number not in response.content.decode()
