"""Root URLconf."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("intermediaries.urls")),
    path("", include("tracker.urls_audit")),
    path("", include("tracker.urls_reports")),
    path("", include("tracker.urls_imports")),
    path("", include("tracker.urls_catalogue")),
    path("", include("tracker.urls_notifications")),
    path("", include("tracker.urls_core")),
]

handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"
