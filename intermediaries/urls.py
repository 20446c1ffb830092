from django.urls import path

from intermediaries import views

app_name = "intermediaries"

urlpatterns = [
    path("firms/", views.firm_list, name="firm_list"),
    path("firms/new/", views.firm_create, name="firm_create"),
    path("firms/<int:pk>/", views.firm_detail, name="firm_detail"),
    path("firms/<int:pk>/edit/", views.firm_edit, name="firm_edit"),
]
