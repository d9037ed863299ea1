from django.urls import path

from jingzhun.standards import views

app_name = "standards"

urlpatterns = [
    path("", views.home, name="home"),
    path("rules/", views.rule_catalogue, name="rules"),
    path("region/<str:code>/", views.region_overview, name="region"),
    path("region/<str:code>/households/", views.household_list, name="households"),
    path("region/<str:code>/export/", views.export_findings, name="export"),
    path("region/<str:code>/run/", views.run_checks, name="run-checks"),
    path("region/<str:code>/run/<str:task_id>/", views.run_progress, name="run"),
    path("region/<str:code>/run/<str:task_id>/status/", views.run_status, name="run-status"),
    path("household/<int:pk>/findings/", views.household_findings, name="household-findings"),
]
