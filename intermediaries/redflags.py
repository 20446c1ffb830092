"""Red-flag rules of the intermediary item, decoupling and official's post kinds.

Each rule is one declaration (``tracker.redflags.declare``); ``intermediaries/kinds.py`` lists
them in the kinds' ``red_flag_rules`` and the core iterates the registry. Paths start at Case.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intermediaries.models import ItemDisposition, PersonStatus, PostDisposition
from tracker.cases import workflow
from tracker.cases.workflow import OPEN_STATUSES, Status
from tracker.redflags.declare import TODAY, AnyOf, Here, Is, Not, Outer, Rule, Some

DONE = sorted(workflow.DONE_STATUSES)
FIRM = "intermediary_item__provider_firm"

# --- intermediary items --------------------------------------------------------------------

ITEM_RETAIN_NO_BASIS = Rule(
    "item_retain_no_basis",
    gettext_lazy("保留中介事项无设定依据"),
    Is("disposition", value=ItemDisposition.RETAIN)
    & Is("intermediary_item__legal_basis", "regex", r"^\s*$"),
    lambda case, found: (
        _("中介服务事项“%(name)s”决定保留，但未填写设定依据。")
        % {"name": case.intermediary_item.name}
    ),
)

ITEM_PROVIDER_AFFILIATED = Rule(
    "item_provider_affiliated",
    gettext_lazy("保留事项由审批部门所属机构实施"),
    Is("disposition", value=ItemDisposition.RETAIN)
    & Not(Is(f"{FIRM}__supervising_agency_id", "isnull", True))
    & AnyOf(
        Is(f"{FIRM}__supervising_agency_id", value=Here("department_id")),
        Some(
            "intermediary_item__approval_items",
            Is("department_id", value=Outer(f"{FIRM}__supervising_agency_id")),
        ),
    ),
    lambda case, found: (
        _("保留的中介服务事项由“%(firm)s”实施，该机构挂靠于审批部门“%(agency)s”（%(type)s）。")
        % {
            "firm": case.intermediary_item.provider_firm.name,
            "agency": case.intermediary_item.provider_firm.supervising_agency,
            "type": case.intermediary_item.provider_firm.get_affiliation_type_display(),
        }
    ),
)

ITEM_RULES = (ITEM_RETAIN_NO_BASIS, ITEM_PROVIDER_AFFILIATED)

# --- officials' posts ----------------------------------------------------------------------

POST_KEPT_SERVING = Rule(
    "post_kept_serving",
    gettext_lazy("在职干部兼职被审批保留"),
    Is("disposition", value=PostDisposition.KEEP_APPROVED)
    & Is("official_post__person_status", value=PersonStatus.SERVING),
    lambda case, found: _("在职干部不得在企业兼职，但本事项处理决定为“按规定审批保留”。"),
)

POST_KEPT_PAID = Rule(
    "post_kept_paid",
    gettext_lazy("保留的兼职仍取酬"),
    Is("disposition", value=PostDisposition.KEEP_APPROVED) & Is("official_post__paid"),
    lambda case, found: _("经审批保留的兼职不得取酬，但登记为取酬。"),
)

# Facts about people stay facts when a case is withdrawn: these rules look at withdrawn
# cases too (a serving official paid for a post does not stop being one by a withdrawal).
DONE_OR_WITHDRAWN = [*DONE, Status.WITHDRAWN]


def _owed(post: Any) -> Decimal:
    return (post.pay_amount or Decimal(0)) - (post.pay_returned or Decimal(0))


POST_PAY_OWED = Rule(
    "post_pay_owed",
    gettext_lazy("兼职报酬应退未退"),
    Is("status", "in", DONE_OR_WITHDRAWN)
    & Is("official_post__paid")
    & AnyOf(
        Is("official_post__pay_returned", "isnull", True)
        & Is("official_post__pay_amount", "gt", 0),
        Is("official_post__pay_amount", "gt", Here("official_post__pay_returned")),
    ),
    lambda case, found: (
        _("本事项已%(status)s，但兼职取得的报酬 %(paid)s 元中仍有 %(owed)s 元未退还（应退未退）。")
        % {
            "status": case.get_status_display(),
            "paid": f"{case.official_post.pay_amount:,.2f}",
            "owed": f"{_owed(case.official_post):,.2f}",
        }
    ),
    withdrawn=True,
)

POST_SHARES_KEPT = Rule(
    "post_shares_kept",
    gettext_lazy("清理后仍持股"),
    Is("status", "in", DONE_OR_WITHDRAWN) & Is("official_post__shareholding"),
    lambda case, found: (
        _("本事项已%(status)s，但仍登记在“%(firm)s”持股。")
        % {"status": case.get_status_display(), "firm": case.official_post.firm_name}
    ),
    withdrawn=True,
)

POST_WITHDRAWN_SERVING_PAID = Rule(
    "post_withdrawn_serving_paid",
    gettext_lazy("撤回事项中在职干部兼职取酬"),
    Is("status", value=Status.WITHDRAWN)
    & Is("official_post__person_status", value=PersonStatus.SERVING)
    & Is("official_post__paid"),
    lambda case, found: (
        _("在职干部（%(post)s）在“%(firm)s”兼职并取酬，但本事项已撤回，未作清理。")
        % {"post": case.official_post.post, "firm": case.official_post.firm_name}
    ),
    withdrawn=True,
)

POST_RULES = (
    POST_KEPT_SERVING,
    POST_KEPT_PAID,
    POST_PAY_OWED,
    POST_SHARES_KEPT,
    POST_WITHDRAWN_SERVING_PAID,
)

# --- decoupling ----------------------------------------------------------------------------


def _tied(firm: str) -> list[Is]:
    return [
        Is(f"decoupling__{firm}__shares_staff_with_agency"),
        Is(f"decoupling__{firm}__shares_premises_with_agency"),
    ]


def _still_tied_message(case: Any, found: dict) -> str:
    dc = case.decoupling
    parts = []
    for firm in filter(None, (dc.firm, dc.new_firm)):
        shared = [
            str(label)
            for label, on in (
                (_("与机关人员混用"), firm.shares_staff_with_agency),
                (_("与机关合署办公"), firm.shares_premises_with_agency),
            )
            if on
        ]
        if shared:
            parts.append(
                _("脱钩改制已%(status)s，但“%(firm)s”仍登记为%(what)s。")
                % {
                    "status": case.get_status_display(),
                    "firm": firm.name,
                    "what": "、".join(shared),
                }
            )
    return "".join(parts)


DECOUPLING_STILL_TIED = Rule(
    "decoupling_still_tied",
    gettext_lazy("脱钩后仍人员混用或合署办公"),
    Is("status", "in", DONE) & AnyOf(*_tied("firm"), *_tied("new_firm")),
    _still_tied_message,
)


def _held(firm: str) -> Some:
    """A post at the decoupled firm (or the firm it became) still on record: its case not
    withdrawn, and open, or with no end date, or one still ahead."""
    return Some(
        f"decoupling__{firm}__official_posts",
        Not(Is("case__status", value=Status.WITHDRAWN)),
        AnyOf(
            Is("case__status", "in", list(OPEN_STATUSES)),
            Is("held_to", "isnull", True),
            Is("held_to", "gt", TODAY),
        ),
        name="posts",
        until="held_to",
    )


def _official_in_post_message(case: Any, found: dict) -> str:
    posts = sorted({p.pk: p for p in found["posts"]}.values(), key=lambda p: p.case.reference)
    return _("脱钩改制已%(status)s，但仍有 %(n)d 名干部登记在该机构任职（%(refs)s）。") % {
        "status": case.get_status_display(),
        "n": len(posts),
        "refs": "、".join(p.case.reference for p in posts[:10]),
    }


DECOUPLING_OFFICIAL_IN_POST = Rule(
    "decoupling_official_in_post",
    gettext_lazy("脱钩后仍有干部在机构任职"),
    Is("status", "in", DONE) & AnyOf(_held("firm"), _held("new_firm")),
    _official_in_post_message,
)

FIRM_RULES = (DECOUPLING_STILL_TIED, DECOUPLING_OFFICIAL_IN_POST)
