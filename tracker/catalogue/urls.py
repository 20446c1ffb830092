"""URL patterns for the catalogue pages (included from tracker/urls.py)."""

from django.urls import path

from tracker.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("catalog/", views.catalogue_index, name="index"),
    path("catalog/intermediaries/", views.catalogue_page, {"kind": "item"}, name="items"),
    path(
        "catalog/intermediaries/download.<str:fmt>",
        views.catalogue_download,
        {"kind": "item"},
        name="items_download",
    ),
    path("catalog/fees/", views.catalogue_page, {"kind": "fee"}, name="fees"),
    path(
        "catalog/fees/download.<str:fmt>",
        views.catalogue_download,
        {"kind": "fee"},
        name="fees_download",
    ),
    path("catalog/publish/", views.catalogue_publish, name="publish"),
]
