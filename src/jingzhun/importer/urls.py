from django.urls import path

from jingzhun.importer import views

app_name = "importer"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_new, name="new"),
    path("<int:import_id>/", views.import_detail, name="detail"),
    path("<int:import_id>/status/", views.import_status, name="status"),
    path("<int:import_id>/rejected.<str:fmt>", views.import_report, name="report"),
]
