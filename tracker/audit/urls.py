"""URL patterns for the audit pages and the inspector workspace (namespace ``audit``)."""

from django.urls import path

from tracker.audit import views as views_audit

app_name = "audit"

urlpatterns = [
    path("audit/", views_audit.audit_log, name="log"),
    path("audit/export/", views_audit.audit_export, name="export"),
    path("audit/access/", views_audit.access_log, name="access_log"),
    path("audit/review/", views_audit.review_list, name="review_list"),
    path("audit/flags/", views_audit.flag_list, name="flag_list"),
    path("audit/flags/<int:pk>/resolve/", views_audit.flag_resolve, name="flag_resolve"),
    path("cases/<str:reference>/compare/", views_audit.case_compare, name="case_compare"),
    path(
        "cases/<str:reference>/inspection/notes/",
        views_audit.inspection_note_add,
        name="inspection_note_add",
    ),
    path("cases/<str:reference>/inspection/flags/", views_audit.flag_raise, name="flag_raise"),
    path("cases/<str:reference>/inspection/review/", views_audit.review_mark, name="review_mark"),
]
