from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from jingzhun.registry.access import home_region_for


def region_home(view_name: str):
    """A view that sends the user to ``view_name``'s page of their own region (a superuser: the top region), or
    to the page saying they have no region yet. The navigation's Registry, Findings and Ledger links use it."""

    @login_required
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        region = home_region_for(request.user)
        if region is None:
            return redirect("registry:no-region")
        return redirect(view_name, code=region.code)

    return view


home = region_home("registry:region")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers (for load balancers and uptime checks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})
