"""URL patterns of the core app (namespace ``tracker``)."""

from django.urls import path

from tracker.cases import views

app_name = "tracker"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/new/<str:kind>/", views.case_create, name="case_create"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path("cases/<str:reference>/edit/", views.case_edit, name="case_edit"),
    path("cases/<str:reference>/history/", views.case_history, name="case_history"),
    path(
        "cases/<str:reference>/transition/<str:target>/",
        views.case_transition,
        name="case_transition",
    ),
    path(
        "cases/<str:reference>/milestones/<int:pk>/complete/",
        views.milestone_complete,
        name="milestone_complete",
    ),
    path("cases/<str:reference>/evidence/new/", views.evidence_add, name="evidence_add"),
    path("cases/<str:reference>/notes/new/", views.note_add, name="note_add"),
    path(
        "cases/<str:reference>/withdrawal/",
        views.withdrawal_request,
        name="withdrawal_request",
    ),
    path("withdrawals/", views.withdrawal_list, name="withdrawal_list"),
    path("withdrawals/<int:pk>/decide/", views.withdrawal_decide, name="withdrawal_decide"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/supersede/", views.evidence_supersede, name="evidence_supersede"),
]
