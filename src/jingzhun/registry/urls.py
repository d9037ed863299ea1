from django.urls import path

from jingzhun.registry import views

app_name = "registry"

urlpatterns = [
    path("no-region/", views.no_region, name="no-region"),
    path("region/<str:code>/", views.region_detail, name="region"),
    path("region/<str:code>/children/", views.region_children, name="region-children"),
    path("region/<str:code>/households/", views.household_list, name="household-list"),
    path("household/<int:pk>/", views.household_detail, name="household"),
    path("reveal/<str:kind>/<int:pk>/<str:attribute>/", views.reveal, name="reveal"),
]
