"""Property tests (hypothesis): random input never crashes the identifier checks; it yields a
value or a clear error."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import credit_check_char
from tracker.cases.validators import (
    CREDIT_ALPHABET,
    credit_code_problems,
    org_code_is_valid,
    validate_credit_code,
    validate_division_code,
)

pytestmark = pytest.mark.filterwarnings("ignore")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_credit_code_check_never_crashes(value):
    problems = credit_code_problems(value)
    assert isinstance(problems, list)
    assert all(isinstance(p, str) and p for p in problems)
    try:
        validate_credit_code(value)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert problems == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17))
def test_computed_check_character_always_validates(body):
    code = body + credit_check_char(body)
    assert credit_code_problems(code) == []
    assert credit_code_problems(code.lower()) == []  # case-insensitive input


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17),
    st.sampled_from(CREDIT_ALPHABET),
)
def test_any_other_check_character_is_refused_with_the_expected_one_named(body, wrong):
    right = credit_check_char(body)
    if wrong == right:
        return
    problems = credit_code_problems(body + wrong)
    assert len(problems) == 1 and right in problems[0]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_division_code_and_org_code_never_crash(value):
    try:
        validate_division_code(value)
    except ValidationError as exc:
        assert exc.messages
    assert org_code_is_valid(value) in (True, False)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime.datetime(1990, 1, 1),
        max_value=datetime.datetime(2100, 1, 1),
        timezones=st.just(datetime.UTC),
    )
)
def test_audit_datetime_canonical_form_is_the_same_from_every_source(dt):
    """Write time (aware datetime), SQLite text, PostgreSQL text and naive UTC all agree, so
    verify_audit's fast read path computes exactly the digests written with the changes."""
    from tracker.audit.chain import _norm_datetime

    expected = _norm_datetime(dt)
    sqlite_text = dt.replace(tzinfo=None).isoformat(" ")
    fraction = f".{dt.microsecond:06d}".rstrip("0") if dt.microsecond else ""
    pg_text = f"{dt:%Y-%m-%d %H:%M:%S}{fraction}+00"
    assert _norm_datetime(sqlite_text) == expected
    assert _norm_datetime(pg_text) == expected
    assert _norm_datetime(dt.replace(tzinfo=None)) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30),
        st.integers(min_value=-(10**9), max_value=10**9),
        st.floats(allow_nan=True, allow_infinity=True),
        st.dates(),
        st.builds(
            lambda y, m, d, sep: f"{y}{sep}{m}{sep}{d}",
            st.integers(0, 3000),
            st.integers(0, 15),
            st.integers(0, 40),
            st.sampled_from(["-", "/", ".", "年"]),
        ),
    )
)
def test_import_date_parser_returns_a_date_or_a_clear_error(value):
    from tracker.imports.engine import CellProblem, parse_date

    try:
        result = parse_date(value)
    except CellProblem as exc:
        assert str(exc)
    else:
        assert isinstance(result, datetime.date)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        st.text(alphabet='中介服务事项名称审批部门,\n\r"', max_size=200).map(
            lambda t: t.encode("gb18030")
        ),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    ),
    st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a", "a.xls", "a.pdf"]),
)
def test_import_reader_returns_rows_or_a_clear_error(data, name):
    from tracker.imports.engine import FileProblem, RawTable, read_table

    try:
        table = read_table(data, name, max_rows=100)
    except FileProblem as exc:
        assert str(exc)
    else:
        assert isinstance(table, RawTable)
        assert all(
            isinstance(number, int) and isinstance(cells, list) for number, cells in table.rows
        )


def test_audit_digest_survives_a_column_added_by_a_migration(case_a):
    """Older history rows have NULL/''/False/0 in a column added later: their digests hold."""
    import dataclasses

    from tracker.audit import chain as audit

    row = case_a.history.first()
    spec = audit.row_spec(type(row))
    before = audit.digest_instance(row)
    values = [getattr(row, a) for a in spec.attnames]
    for empty, norm in (
        (None, audit._norm_text),
        ("", audit._norm_text),
        (False, audit._norm_bool),
        (0, audit._norm_int),
    ):
        grown = dataclasses.replace(
            spec,
            attnames=[*spec.attnames, "zz_new_column"],
            normalisers=[*spec.normalisers, norm],
            columns=[*spec.columns, "zz_new_column"],
        )
        assert audit.digest_values(grown, [*values, empty]) == before
    # ...while a real value in any column changes the digest.
    changed = dataclasses.replace(
        spec,
        attnames=[*spec.attnames, "zz_new_column"],
        normalisers=[*spec.normalisers, audit._norm_text],
        columns=[*spec.columns, "zz_new_column"],
    )
    assert audit.digest_values(changed, [*values, "x"]) != before


def _sample_values(spec, added_later: frozenset = frozenset()) -> list:
    """A value in every column, but for the columns a later migration added: those are empty
    in the rows stored before it, which is what the pinned digest was taken of."""
    import decimal

    from tracker.audit import chain as audit

    values = []
    for attname, norm in zip(spec.attnames, spec.normalisers, strict=True):
        if attname in added_later:
            values.append(None)
        elif norm is audit._norm_datetime:
            values.append(datetime.datetime(2026, 3, 1, 8, 30, 15, 123400, tzinfo=datetime.UTC))
        elif norm is audit._norm_date:
            values.append(datetime.date(2026, 2, 28))
        elif norm is audit._norm_bool:
            values.append(True)
        elif norm is audit._norm_int:
            values.append(7)
        elif norm is audit._norm_text:
            values.append("测试" + attname)
        else:
            values.append(decimal.Decimal("12.5"))
    return values


@pytest.mark.parametrize(
    ("model_path", "added_later", "expected"),
    [
        (
            "tracker.models.Case",
            frozenset(),
            "374d99560320cb0e49158b64b5c0d7e85ae12757d2f5f67d089860c7eb63520e",
        ),
        (
            "fees.models.FeeItem",
            # fees 0003 added the amount range, unit and reduced standard
            frozenset({"amount_after", "amount_max", "amount_min", "amount_unit"}),
            "8099cdf0be5e86077cdd99068c45ed460956554ef0926012df4f5892267de266",
        ),
    ],
)
def test_audit_digest_form_is_pinned(model_path, added_later, expected):
    """Known answers: digests already stored in chains must never change with a rewrite of the
    digest code (the compiled digesters give what the first, plain implementation gave)."""
    import hashlib
    import importlib

    from tracker.audit import chain as audit

    module, name = model_path.rsplit(".", 1)
    model = getattr(importlib.import_module(module), name).history.model
    spec = audit.row_spec(model)
    values = _sample_values(spec, added_later)
    assert audit.digest_values(spec, values) == expected
    reference = [n(v) for n, v in zip(spec.normalisers, values, strict=True)]
    payload = audit._ENCODER.encode(audit._pairs(spec.attnames, reference))
    assert hashlib.sha256(f"{spec.label}|{payload}".encode()).hexdigest() == expected


@pytest.mark.django_db
def test_compiled_reader_matches_instances(case_a, alice):
    """The verification path (raw rows from the cursor) digests each stored row exactly as the
    writing path (model instances) did, on whichever database runs the tests."""
    from tracker.audit import chain as audit
    from tracker.cases import services

    services.note_add(case=case_a, by=alice, text="核对摘要")
    for model in audit.history_models():
        spec = audit.row_spec(model)
        rows = list(model._default_manager.all()[:20])
        if not rows:
            continue
        raw = {
            r[spec.pk_index]: audit.digest_row(spec, r)
            for r in audit._raw_rows(model, spec, [r.pk for r in rows])
        }
        assert raw == {r.pk: audit.digest_instance(r) for r in rows}, spec.label
