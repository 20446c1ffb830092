"""The intermediary kinds' part of the synthetic benchmark province (``manage.py bench``).

Reached from ``tracker.tooling.benchdata`` only through the kind registry (``CaseKind.bench``
and a ``DataSetup``); ``builder`` is that module's ``Builder`` (tracker.tooling.kinddata says
what of it a hook may use). Every draw is from ``builder.rng``, in the order the builder calls.
"""

from __future__ import annotations

from intermediaries.models import (
    AffiliationType,
    DecouplingCase,
    IntermediaryFirm,
    IntermediaryItem,
    OfficialPost,
    PersonStatus,
    PostType,
    RankBand,
)
from tracker.tooling.benchdata import DEPT_NAMES, GIVEN, SURNAMES
from tracker.tooling.kinddata import BenchKind

N_FIRMS = 1000
ITEM_NAMES = [
    "环境影响报告编制",
    "水土保持方案编制",
    "节能评估报告编制",
    "施工图设计文件审查",
    "房屋安全性鉴定",
    "规划条件核实测量",
    "地质灾害危险性评估",
    "安全预评价报告编制",
    "职业病危害预评价",
    "防雷装置检测",
]


def _firms(builder) -> list[IntermediaryFirm]:
    return builder.extra["intermediaries"]


def setup(builder) -> None:
    """1,000 firms in the counties, before the cases (decoupling and post cases name them)."""
    objs = []
    forms = list(IntermediaryFirm.LegalForm.values)
    for i in range(N_FIRMS):
        juris = builder.rng.choice(builder.counties)
        depts = builder.depts_by_juris.get(juris.pk) or [None]
        objs.append(
            IntermediaryFirm(
                jurisdiction=juris,
                name=f"基准{i:04d}工程咨询有限公司",
                legal_form=builder.rng.choice(forms),
                supervising_agency=builder.rng.choice(depts),
                affiliation_type=builder.rng.choice(list(AffiliationType.values)),
            )
        )
    builder.extra["intermediaries"] = builder.bulk(IntermediaryFirm, objs)


def counts(builder) -> dict[str, int]:
    return {"firms": len(_firms(builder))}


def item_title(builder, juris, i: int) -> str:
    return f"{juris.name}{builder.rng.choice(ITEM_NAMES)}（{i}）"


def item_subject(builder, case, i: int) -> IntermediaryItem:
    return IntermediaryItem(
        case=case,
        name=case.title,
        provider=f"基准{i % 997:04d}技术服务中心",
        legal_basis="《基准省中介服务管理办法》",
    )


def firm_title(builder, juris, i: int) -> str:
    firms = _firms(builder)
    return f"{firms[i % len(firms)].name} 脱钩改制"


def firm_subject(builder, case, i: int) -> DecouplingCase:
    firms = _firms(builder)
    firm = firms[i % len(firms)]
    agency = builder.rng.choice(builder.depts_by_juris[case.jurisdiction_id])
    return DecouplingCase(
        case=case,
        firm=firm,
        agency=agency,
        affiliation_type=AffiliationType.ATTACHED,
    )


def post_title(builder, juris, i: int) -> str:
    return f"{builder.rng.choice(DEPT_NAMES)}副局长 在基准咨询公司兼职（{i}）"


def post_subject(builder, case, i: int) -> OfficialPost:
    firms = _firms(builder)
    name = builder.rng.choice(SURNAMES) + builder.rng.choice(GIVEN) + builder.rng.choice(GIVEN)
    return OfficialPost(
        case=case,
        person_ref=f"P{i:08d}",
        person_name=name,
        employing_unit=builder.rng.choice(DEPT_NAMES),
        post="副局长",
        rank_band=RankBand.SECTION,
        person_status=PersonStatus.SERVING,
        firm_name=firms[i % len(firms)].name,
        post_type=builder.rng.choice(list(PostType.values)),
    )


ITEM_BENCH = BenchKind(
    weight=40,
    title=item_title,
    subject=item_subject,
    timeline_case=(
        "建设项目环境影响报告编制",
        {"name": "建设项目环境影响报告编制", "provider": "基准环评中心"},
    ),
)
FIRM_BENCH = BenchKind(weight=15, title=firm_title, subject=firm_subject)
POST_BENCH = BenchKind(weight=15, title=post_title, subject=post_subject)
