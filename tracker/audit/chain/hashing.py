"""Canonical serialisation of history rows and the hashes of the chain.

A row's digest is the SHA-256 of its canonical form (column, value pairs with empty values left
out); a link's hash covers its sequence, model, row id, digest and the previous link's hash.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models

GENESIS = "0" * 64
UTC = datetime.UTC


def _norm_text(v):
    return None if v is None else str(v)


def _norm_int(v):
    return None if v is None else int(v)


def _norm_bool(v):
    return None if v is None else bool(v)


def _norm_datetime(v):
    if v is None:
        return None
    if isinstance(v, str):
        # PostgreSQL's text for a UTC timestamptz drops trailing zeros of the fraction.
        if v.endswith("+00") and v[10:11] == " ":
            core = v[:-3]
            if "." in core:
                whole, fraction = core.split(".")
                core = f"{whole}.{fraction.ljust(6, '0')}" if fraction.strip("0") else whole
            return f"{core[:10]}T{core[11:]}+00:00"
        # SQLite stores UTC as "YYYY-MM-DD HH:MM:SS[.ffffff]": the same text isoformat() gives.
        if len(v) in (19, 26) and v[10] == " " and "+" not in v:
            return f"{v[:10]}T{v[11:]}+00:00"
        v = datetime.datetime.fromisoformat(v)
    offset = v.utcoffset()
    if offset is None:  # naive values are UTC (USE_TZ = True)
        return v.isoformat() + "+00:00"
    if not offset:
        return v.isoformat()
    return v.astimezone(UTC).isoformat()


def _norm_date(v):
    if v is None:
        return None
    if isinstance(v, str) and len(v) == 10:
        return v
    if isinstance(v, datetime.datetime):
        v = v.date()
    if isinstance(v, str):
        v = datetime.date.fromisoformat(v)
    return v.isoformat()


def _decimal_normaliser(places: int):
    quantum = decimal.Decimal(1).scaleb(-places)

    def norm(v):
        if v is None:
            return None
        return str(decimal.Decimal(str(v)).quantize(quantum))

    return norm


def _norm_file(v):
    if v is None:
        return ""
    return getattr(v, "name", v) or ""


def _norm_json(v):
    if v is None:
        return None
    if isinstance(v, (str, bytes)):
        v = json.loads(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _normaliser(field: models.Field):
    if isinstance(field, models.JSONField):
        return _norm_json
    if isinstance(field, models.DateTimeField):
        return _norm_datetime
    if isinstance(field, models.DateField):
        return _norm_date
    if isinstance(field, models.DecimalField):
        return _decimal_normaliser(field.decimal_places)
    if isinstance(field, models.BooleanField):
        return _norm_bool
    if isinstance(field, models.FileField):
        return _norm_file
    if isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey)):
        if isinstance(field, models.ForeignKey):
            target = field.target_field
            if not isinstance(target, (models.IntegerField, models.AutoField)):
                return _norm_text
        return _norm_int
    if isinstance(field, models.FloatField):
        return lambda v: None if v is None else repr(float(v))
    return _norm_text


@dataclass
class RowSpec:
    """How to serialise rows of one history model: column names and their normalisers."""

    label: str
    model: type[models.Model]
    pk_attname: str
    attnames: list[str]
    normalisers: list
    columns: list[str]
    pk_index: int
    compiled: dict = field(default_factory=dict, init=False, repr=False, compare=False)


_SPECS: dict[str, RowSpec] = {}


def row_spec(model: type[models.Model]) -> RowSpec:
    label = model._meta.label_lower
    spec = _SPECS.get(label)
    if spec is None:
        fields = sorted(model._meta.concrete_fields, key=lambda f: f.attname)
        spec = RowSpec(
            label=label,
            model=model,
            pk_attname=model._meta.pk.attname,
            attnames=[f.attname for f in fields],
            normalisers=[_normaliser(f) for f in fields],
            columns=[f.column for f in fields],
            pk_index=[f.attname for f in fields].index(model._meta.pk.attname),
        )
        _SPECS[label] = spec
    return spec


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_IDENTITY_ON_READ = {_norm_text, _norm_int}


EMPTY = (None, "", False)  # also matches 0 (0 == False)


def _pairs(attnames: list[str], values: list) -> list:
    """The canonical form: column, value, column, value, ... with empty values left out, so a column
    added later by a migration (NULL, "", False or 0 in older rows) leaves their digests as
    they were; any change of any value still changes the digest."""
    out = []
    for a, v in zip(attnames, values, strict=True):
        if v not in EMPTY:
            out += (a, v)
    return out


def _digester(spec: RowSpec, *, from_db: bool = True):
    """A compiled digest function for one model: straight-line code that normalises each
    column, leaves out empty values and hashes the JSON of the pairs (the form ``_pairs``
    gives). ``from_db``: rows read by ``_raw_rows``, whose text and integer columns already
    have their canonical type; otherwise every value is normalised (Python values)."""
    digester = spec.compiled.get(from_db)
    if digester is None:
        env = {
            "EMPTY": EMPTY,
            "encode": _ENCODER.encode,
            "sha256": hashlib.sha256,
            "prefix": f"{spec.label}|",
        }
        lines = ["def digest(r):", "    out = []", "    add = out.extend"]
        for i, (attname, norm) in enumerate(zip(spec.attnames, spec.normalisers, strict=True)):
            if from_db and norm in _IDENTITY_ON_READ:
                lines.append(f"    v = r[{i}]")
            else:
                env[f"n{i}"] = norm
                lines.append(f"    v = n{i}(r[{i}])")
            env[f"a{i}"] = attname
            lines.append(f"    if v not in EMPTY: add((a{i}, v))")
        lines.append("    return sha256((prefix + encode(out)).encode()).hexdigest()")
        exec("\n".join(lines), env)  # code built from our own field list
        digester = spec.compiled[from_db] = env["digest"]
    return digester


def digest_row(spec: RowSpec, row: tuple) -> str:
    """digest_values for a row fetched with ``_raw_rows`` (text and integers already canonical)."""
    return _digester(spec)(row)


def digest_values(spec: RowSpec, values: Iterable) -> str:
    """The digest of one history row given as Python values in ``spec.attnames`` order."""
    return _digester(spec, from_db=False)(
        values if isinstance(values, (list, tuple)) else list(values)
    )


def digest_instance(instance: models.Model) -> str:
    spec = row_spec(type(instance))
    return digest_values(spec, (getattr(instance, a) for a in spec.attnames))


def link_hash(seq: int, model: str, row_id: int, digest: str, prev_hash: str) -> str:
    return hashlib.sha256(f"{seq}|{model}|{row_id}|{digest}|{prev_hash}".encode()).hexdigest()
