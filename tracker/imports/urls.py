"""URL patterns for the imports pages (included from tracker/urls.py)."""

from django.urls import path

from tracker.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_index, name="index"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="template"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("imports/<int:pk>/commit/", views.batch_commit, name="commit"),
    path("imports/<int:pk>/accept/", views.batch_accept, name="accept"),
    path("imports/<int:pk>/resolve/", views.batch_resolve, name="resolve"),
    path("imports/<int:pk>/errors.csv", views.batch_errors, name="errors"),
    path("imports/<int:pk>/file/", views.batch_file, name="file"),
]
