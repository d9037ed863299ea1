from django.urls import path

from jingzhun.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.home, name="home"),
    path("notices/", views.notices, name="notices"),
    path("region/<str:code>/", views.dashboard_view, name="dashboard"),
    path("region/<str:code>/problems/", views.problem_list, name="list"),
    path("region/<str:code>/assign/", views.assign, name="assign"),
    path("region/<str:code>/export/", views.export, name="export"),
    path("region/<str:code>/new/", views.new_problem, name="new"),
    path("region/<str:code>/import/", views.import_view, name="import"),
    path("import/<int:batch>/", views.import_result, name="import-result"),
    path("import/<int:batch>/rejected.<str:fmt>", views.import_report, name="import-report"),
    path("problem/<int:problem>/", views.problem_detail, name="problem"),
    path("problem/<int:problem>/evidence/", views.add_evidence, name="add-evidence"),
    path("problem/<int:problem>/evidence/<int:evidence>/", views.evidence_file, name="evidence"),
    path("problem/<int:problem>/<str:action>/", views.act, name="act"),
]
