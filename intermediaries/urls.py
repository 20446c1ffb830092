from django.urls import path

from intermediaries import views, views_supervision

app_name = "intermediaries"

urlpatterns = [
    path("firms/", views.firm_list, name="firm_list"),
    path("firms/new/", views.firm_create, name="firm_create"),
    path("firms/<int:pk>/", views.firm_detail, name="firm_detail"),
    path("firms/<int:pk>/edit/", views.firm_edit, name="firm_edit"),
    path("supervision/", views_supervision.supervision_index, name="supervision_index"),
    path(
        "supervision/firms/<int:pk>/", views_supervision.firm_supervision, name="firm_supervision"
    ),
    path(
        "supervision/agencies/<int:pk>/",
        views_supervision.agency_supervision,
        name="agency_supervision",
    ),
]
