from django.urls import path

from jingzhun.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="home"),
    path("new/", views.campaign_new, name="new"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/size/", views.size_preview, name="size"),
    path("<int:campaign_id>/draw/", views.draw, name="draw"),
    path("<int:campaign_id>/outside/", views.upload_outside, name="outside"),
    path("<int:campaign_id>/assign/", views.assign, name="assign"),
    path("<int:campaign_id>/reconcile/", views.reconcile, name="reconcile"),
    path("<int:campaign_id>/reconcile/<int:run_id>/", views.reconcile_status, name="reconcile-status"),
    path("<int:campaign_id>/close/", views.close, name="close"),
    path("<int:campaign_id>/results/", views.campaign_results, name="results"),
    path("<int:campaign_id>/export/<str:what>.xlsx", views.export, name="export"),
    path("field/", views.field_list, name="field"),
    path("field/<int:unit_id>/", views.field_unit, name="field-unit"),
    path("field/<int:unit_id>/photo/", views.field_photo, name="field-photo"),
    path("field/<int:unit_id>/photo/<int:photo_id>/", views.photo_file, name="photo"),
]
