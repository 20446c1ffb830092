"""Root URLconf."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", RedirectView.as_view(url=static("tracker/favicon.ico"), permanent=True)),
    path("admin/", admin.site.urls),
    path("", include("tracker.api.urls")),
    path("", include("intermediaries.urls")),
    path("", include("intermediaries.credit.urls")),
    path("", include("tracker.audit.urls")),
    path("", include("tracker.reports.urls")),
    path("", include("tracker.imports.urls")),
    path("", include("tracker.catalogue.urls")),
    path("", include("tracker.deadlines.urls")),
    path("", include("tracker.cases.urls")),
]

handler400 = "tracker.web.errors.bad_request"
handler403 = "tracker.web.errors.permission_denied"
handler404 = "tracker.web.errors.page_not_found"
handler500 = "tracker.web.errors.server_error"
