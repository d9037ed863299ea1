"""Registry pages. Every query goes through jingzhun.registry.access (the user's region subtree)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jingzhun.registry.access import get_household_for_user, get_region_for_user


@login_required
def no_region(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/no_region.html", status=403)


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = get_region_for_user(request.user, code)
    return render(request, "registry/region.html", {"region": region})


@login_required
def household_list(request: HttpRequest, code: str) -> HttpResponse:
    region = get_region_for_user(request.user, code)
    return render(request, "registry/household_list.html", {"region": region})


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_household_for_user(request.user, pk)
    return render(request, "registry/household.html", {"household": household})
