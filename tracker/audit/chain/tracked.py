"""Which tables the audit chain covers: the history tables of the tracked apps, and the
models registered as append-only by the apps that own them."""

from __future__ import annotations

from django.apps import apps
from django.db import models


def history_models() -> list[type[models.Model]]:
    """Every history table of every tracked model (m2m history tables included)."""
    return [
        m
        for m in apps.get_models()
        if m._meta.model_name.startswith("historical") and m._meta.app_label in TRACKED_APPS
    ]


TRACKED_APPS = {"tracker", "intermediaries", "fees", "api", "accounts", "credit"}

# Tables of models that are append-only themselves (not only their history), registered by the
# apps that own them (``register_append_only``): the triggers cover them like history tables.
APPEND_ONLY_MODELS: list[str] = []


def register_append_only(*model_labels: str) -> None:
    for label in model_labels:
        if label not in APPEND_ONLY_MODELS:
            APPEND_ONLY_MODELS.append(label)
