"""URLs of the API (/api/v1/), its schema (/api/schema/), docs (/api/docs/) and the token page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from tracker.api import pages, views
from tracker.api.registry import routes

app_name = "api"

urlpatterns = [
    path("api/v1/cases/", views.CaseListView.as_view(), name="case_list"),
    path("api/v1/cases/<str:reference>/", views.CaseDetailView.as_view(), name="case_detail"),
    path(
        "api/v1/cases/<str:reference>/transition/",
        views.CaseTransitionView.as_view(),
        name="case_transition",
    ),
    path(
        "api/v1/cases/<str:reference>/milestones/<str:code>/complete/",
        views.MilestoneCompleteView.as_view(),
        name="milestone_complete",
    ),
    path("api/v1/cases/<str:reference>/evidence/", views.EvidenceView.as_view(), name="evidence"),
    path("api/v1/cases/<str:reference>/notes/", views.NoteView.as_view(), name="notes"),
    path("api/v1/cases/<str:reference>/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("api/v1/cases/<str:reference>/as-of/", views.AsOfView.as_view(), name="as_of"),
    path("api/v1/audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("api/v1/red-flags/", views.RedFlagListView.as_view(), name="red_flags"),
    path("api/v1/reports/", views.ReportListView.as_view(), name="report_list"),
    path("api/v1/reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("api/v1/reports/<int:pk>/pdf/", views.ReportPdfView.as_view(), name="report_pdf"),
    path("api/v1/catalogues/", views.CatalogueListView.as_view(), name="catalogue_list"),
    path(
        "api/v1/catalogues/<int:pk>/",
        views.CatalogueDetailView.as_view(),
        name="catalogue_detail",
    ),
    path("api/v1/webhooks/", views.WebhookListView.as_view(), name="webhook_list"),
    path(
        "api/v1/webhooks/<int:pk>/deactivate/",
        views.WebhookDeactivateView.as_view(),
        name="webhook_deactivate",
    ),
    path(
        "api/v1/webhooks/<int:pk>/deliveries/",
        views.DeliveryListView.as_view(),
        name="webhook_deliveries",
    ),
    *(path(f"api/v1/{r.route}", r.view.as_view(), name=r.name) for r in routes()),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(
            url_name="api:schema", authentication_classes=[], permission_classes=[]
        ),
        name="docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(
            url_name="api:schema", authentication_classes=[], permission_classes=[]
        ),
        name="redoc",
    ),
    path("api/tokens/", pages.token_list, name="tokens"),
    path("api/tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
]
