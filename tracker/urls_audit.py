"""URL patterns for the audit pages (included from tracker/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "audit"

urlpatterns: list = []
