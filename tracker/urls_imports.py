"""URL patterns for the imports pages (included from tracker/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "imports"

urlpatterns: list = []
