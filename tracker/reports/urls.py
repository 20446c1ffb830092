"""URL patterns for the reports pages (included from tracker/urls.py)."""

from django.urls import path

from tracker.reports import views

app_name = "reports"

urlpatterns: list = [
    path("reports/", views.report_list, name="list"),
    path("reports/new/", views.report_new, name="new"),
    path("reports/<int:pk>/", views.report_detail, name="detail"),
    path("reports/<int:pk>/narrative/", views.report_narrative, name="narrative"),
    path("reports/<int:pk>/refresh/", views.report_refresh, name="refresh"),
    path("reports/<int:pk>/sign/", views.report_sign, name="sign"),
    path("reports/<int:pk>/issue/", views.report_issue, name="issue"),
    path("reports/<int:pk>/pdf/", views.report_pdf, name="pdf"),
    path(
        "reports/<int:pk>/tables/<slug:key>.<str:fmt>",
        views.report_export,
        name="export",
    ),
]
