"""factory_boy factories and the one way tests create cases: through ``case_create``."""

from __future__ import annotations

from functools import cache
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from fees.models import FeeKind, SetLevel
from intermediaries.models import (
    AffiliationType,
    IntermediaryFirm,
    PersonStatus,
    PostType,
    RankBand,
)
from tracker.cases import services
from tracker.cases.registry import get_kind
from tracker.cases.validators import CREDIT_ALPHABET, CREDIT_WEIGHTS
from tracker.cases.workflow import Role
from tracker.models import Case, Department, Jurisdiction, User

PASSWORD = "pw-test-12345"

# Case fields that make_case() passes to case_create as case_fields; the rest go to the subject.
CASE_FIELDS = frozenset({"title", "department", "owner", "registered_on", "deadline"})


def credit_check_char(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def valid_credit_code(n: int) -> str:
    """A valid 18-character unified social credit code, distinct for each n."""
    body = f"913301{n:011d}"
    return body + credit_check_char(body)


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    # 410101, 410102, ...: valid six-digit GB/T 2260 shapes away from the personas' 33xxxx codes.
    code = factory.Sequence(lambda n: f"{410101 + n}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    level = Jurisdiction.Level.COUNTY
    parent = None


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    name = factory.Sequence(lambda n: f"测试局{n}")


@cache
def password_hash() -> str:
    """PASSWORD hashed once per run: the real hasher is deliberately slow (~0.3 s a user)."""
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyFunction(password_hash)
    role = Role.STAFF
    jurisdiction = factory.SubFactory(JurisdictionFactory)


class IntermediaryFirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntermediaryFirm

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    name = factory.Sequence(lambda n: f"测试咨询有限公司{n}")
    credit_code = factory.Sequence(valid_credit_code)
    legal_form = IntermediaryFirm.LegalForm.ENTERPRISE


def _default_subject_fields(kind_key: str, jurisdiction: Jurisdiction) -> dict[str, Any]:
    if kind_key == "item":
        return {"name": "建设项目环境影响评价报告编制"}
    if kind_key == "firm":
        return {
            "firm": IntermediaryFirmFactory(jurisdiction=jurisdiction),
            "agency": DepartmentFactory(jurisdiction=jurisdiction),
            "affiliation_type": AffiliationType.ATTACHED,
        }
    if kind_key == "post":
        return {
            "person_ref": "P-0001",
            "person_name": "测试人甲",
            "employing_unit": "某县自然资源局",
            "post": "副局长",
            "rank_band": RankBand.SECTION,
            "person_status": PersonStatus.SERVING,
            "firm_name": "某某测绘有限公司",
            "post_type": PostType.DIRECTOR,
        }
    if kind_key == "fee":
        return {
            "name": "测试登记费",
            "fee_kind": FeeKind.ADMINISTRATIVE,
            "set_level": SetLevel.COUNTY,
        }
    raise ValueError(f"unknown case kind {kind_key!r}")


def make_case(kind_key: str, jurisdiction: Jurisdiction, by: User, **overrides: Any) -> Case:
    """Create a case of ``kind_key`` through ``case_create`` (never with Case.objects.create).

    Overrides named in CASE_FIELDS go to the case, ``reason`` to the service, the rest to the
    subject (replacing the per-kind defaults).
    """
    reason = overrides.pop("reason", "")
    case_fields = {k: overrides.pop(k) for k in list(overrides) if k in CASE_FIELDS}
    subject_fields = {**_default_subject_fields(kind_key, jurisdiction), **overrides}
    return services.case_create(
        kind=get_kind(kind_key),
        jurisdiction=jurisdiction,
        by=by,
        case_fields=case_fields,
        subject_fields=subject_fields,
        reason=reason,
    )


def approver_for(case: Case, requester: User) -> User:
    """An admin other than ``requester`` who sees ``case`` (made at the case's place if none)."""
    from tracker.cases.scoping import users_who_see

    found = (
        users_who_see(case.jurisdiction)
        .filter(role=Role.ADMIN)
        .exclude(pk=requester.pk)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    return UserFactory(
        username=f"approver-{case.jurisdiction.code}",
        role=Role.ADMIN,
        jurisdiction=case.jurisdiction,
    )


def withdraw(
    case: Case,
    by: User,
    *,
    reason: str = "登记错误，已按正确信息重新登记。",
    category: str = "error",
    approver: User | None = None,
    **detail: Any,
) -> Case:
    """Withdraw a case the way the tracker does: ``by`` requests it with a category and a
    reason, another admin approves (``withdrawal_request`` then ``withdrawal_decide``)."""
    request = services.withdrawal_request(
        case=case, by=by, category=category, reason=reason, **detail
    )
    approver = approver or approver_for(case, by)
    services.withdrawal_decide(request=request, by=approver, approve=True)
    return Case.objects.get(pk=case.pk)
