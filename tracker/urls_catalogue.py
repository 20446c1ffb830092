"""URL patterns for the catalogue pages (included from tracker/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "catalogue"

urlpatterns: list = []
