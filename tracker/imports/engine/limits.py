"""Limits on what a spreadsheet may unpack into, checked before and while it is read.

An upload is at most ``IMPORT_MAX_BYTES`` (10 MB), but an .xlsx is a zip archive: a 1.5 MB file can
inflate to a 1.5 GB sheet, or to one 600 MB shared string. The archive's directory is checked
before any XML is parsed (sizes, ratios, member count); the shared strings and the sheet are then
read as a stream and reading stops as soon as a count passes its limit. Together they keep one
import well under 200 MB of memory (tests/test_import_limits.py measures it).

Each limit can be overridden in settings under the name given in its comment; ``limit()`` reads
the override at every call, so tests can change it with the ``settings`` fixture.
"""

from __future__ import annotations

from django.conf import settings

# Every zip member, uncompressed (ZipInfo.file_size). settings.IMPORT_MAX_MEMBER_BYTES
MAX_MEMBER_BYTES = 150 * 1024 * 1024
# All members together, uncompressed. settings.IMPORT_MAX_UNCOMPRESSED_BYTES
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024
# file_size / compress_size of a member larger than RATIO_MIN_BYTES; real sheets stay far below.
# settings.IMPORT_MAX_COMPRESSION_RATIO
MAX_COMPRESSION_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024
# Members in the archive (a workbook has a dozen or so). settings.IMPORT_MAX_ZIP_MEMBERS
MAX_ZIP_MEMBERS = 1000
# Entries in sharedStrings.xml. settings.IMPORT_MAX_SHARED_STRINGS
MAX_SHARED_STRINGS = 1_000_000
# Characters of all shared strings together. settings.IMPORT_MAX_SHARED_STRING_CHARS
MAX_SHARED_STRING_CHARS = 20_000_000
# <c> elements read from the sheet (blank ones included). settings.IMPORT_MAX_CELLS
MAX_CELLS = 2_000_000
# Rows x columns of the used range: the sheet's <dimension ref>, and the rows kept times their
# width while reading. settings.IMPORT_MAX_USED_RANGE_CELLS
MAX_USED_RANGE_CELLS = 5_000_000


def limit(name: str) -> int:
    """The limit ``MAX_<name>`` of this module, or its ``IMPORT_MAX_<name>`` settings override."""
    value = getattr(settings, f"IMPORT_MAX_{name}", None)
    return int(value) if value is not None else int(globals()[f"MAX_{name}"])
