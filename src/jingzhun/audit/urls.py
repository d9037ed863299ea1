from django.urls import path

from jingzhun.audit import views

app_name = "audit"

urlpatterns = [
    path("household/<int:pk>/history/", views.household_history, name="household-history"),
]
