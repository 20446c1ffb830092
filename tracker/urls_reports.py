"""URL patterns for the reports pages (included from tracker/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "reports"

urlpatterns: list = []
