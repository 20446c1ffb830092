"""Spreadsheet column maps for intermediary items, decoupling cases (with the firm register)
and officials' posts. The core import machinery (tracker.imports.services) finds them through
``CaseKind.importer``.

A package by kind: ``items`` (intermediary items), ``firms`` (decoupling cases and the firm
register), ``posts`` (officials' posts). Every name is re-exported here: import from
``intermediaries.importers``.
"""

from __future__ import annotations

from intermediaries.importers.firms import (
    FIRM_FIELDS,
    SEPARATION_COLUMNS,
    SEPARATIONS,
    FirmImporter,
)
from intermediaries.importers.items import ITEM_DISPOSITION_ALIASES, ItemImporter
from intermediaries.importers.posts import RANK_ALIASES, STATUS_ALIASES, PostImporter

__all__ = [
    "FIRM_FIELDS",
    "ITEM_DISPOSITION_ALIASES",
    "RANK_ALIASES",
    "SEPARATIONS",
    "SEPARATION_COLUMNS",
    "STATUS_ALIASES",
    "FirmImporter",
    "ItemImporter",
    "PostImporter",
]
