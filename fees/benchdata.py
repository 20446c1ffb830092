"""The fee item kind's part of the synthetic benchmark province (``manage.py bench``).

Reached from ``tracker.tooling.benchdata`` only through the kind registry (``CaseKind.bench``);
``builder`` is that module's ``Builder``. Every draw is from ``builder.rng``.
"""

from __future__ import annotations

from decimal import Decimal

from fees.models import FeeItem, FeeKind, SetLevel
from tracker.tooling.kinddata import BenchKind

FEE_NAMES = [
    "证照工本费",
    "考试考务费",
    "档案查询费",
    "检验检测费",
    "登记费",
    "资格审查费",
    "培训费",
    "评审费",
]


def fee_title(builder, juris, i: int) -> str:
    return f"{juris.name}{builder.rng.choice(FEE_NAMES)}（{i}）"


def fee_subject(builder, case, i: int) -> FeeItem:
    return FeeItem(
        case=case,
        name=case.title,
        fee_kind=builder.rng.choice(list(FeeKind.values)),
        set_level=SetLevel.COUNTY,
        amount=Decimal(builder.rng.randint(10, 5000)),
    )


FEE_BENCH = BenchKind(weight=30, title=fee_title, subject=fee_subject)
