"""URL patterns for the notifications pages (included from tracker/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "notifications"

urlpatterns: list = []
