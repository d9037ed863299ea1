from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from jingzhun.registry.access import home_region_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to their own region's page."""
    region = home_region_for(request.user)
    if region is None:
        return redirect("registry:no-region")
    return redirect("registry:region", code=region.code)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database answers (for load balancers and uptime checks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})
