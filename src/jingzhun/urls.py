from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jingzhun.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("registry/", include("jingzhun.registry.urls")),
    path("imports/", include("jingzhun.importer.urls")),
    path("checks/", include("jingzhun.standards.urls")),
    path("audit/", include("jingzhun.audit.urls")),
    path("ledger/", include("jingzhun.ledger.urls")),
    path("campaigns/", include("jingzhun.campaigns.urls")),
    path("admin/", admin.site.urls),
]
