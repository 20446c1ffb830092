"""Paths of red-flag conditions: the models a lookup path reaches, the check that an ``Is``
path crosses only single-valued relations, and the path followed in Python."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models


def _models_on(model: type[models.Model], path: str) -> list[tuple[type[models.Model], str]]:
    """Every model an ``Is``/``Some`` path reaches, with the lookup from ``model`` to it."""
    out = []
    parts: list[str] = []
    for name in path.split("__"):
        f = model._meta.get_field(name)
        parts.append(name)
        if not f.is_relation or f.related_model is None or getattr(f, "attname", None) == name:
            break
        model = f.related_model
        out.append((model, "__".join(parts)))
    return out


def _check_single_valued(model: type[models.Model], path: str) -> None:
    for name in path.split("__"):
        f = model._meta.get_field(name)
        if f.many_to_many or f.one_to_many:
            raise ValueError(f"{path!r} crosses the many-valued {name!r}: use Some()")
        if not f.is_relation or getattr(f, "attname", None) == name:
            return
        model = f.related_model


def _walk(obj: Any, path: str) -> Any:
    """Follow a single-valued path in Python; a missing object or NULL reads as None."""
    for name in path.split("__"):
        if obj is None:
            return None
        try:
            obj = getattr(obj, name)
        except ObjectDoesNotExist:
            return None
    return obj


def _join(prefix: str, path: str) -> str:
    return f"{prefix}__{path}" if prefix and path else prefix or path
