"""How credit plugs into the core without the core importing it: panels on the dashboard, the
case page and the firm page (tracker.cases.registry), and the append-only tables (the audit
chain's triggers)."""

from __future__ import annotations

from tracker.audit.chain import register_append_only
from tracker.cases.registry import Panel, register_panel
from tracker.cases.scoping import READERS, user_role


def _dashboard(user, obj=None):
    from intermediaries.credit import selectors

    if user_role(user) is None:
        return None
    return selectors.dashboard_panel(user)


def _firm(user, firm):
    from intermediaries.credit import selectors

    if firm is None or user_role(user) not in READERS:
        return None
    return selectors.firm_credit(firm)


def _case(user, case):
    from intermediaries.credit import selectors

    if case is None:
        return None
    flag = selectors.listed_provider(case)
    return {"flag": flag} if flag else None


def _register_red_flag() -> bool:
    """Add the listed-provider rule to the item kind's red-flag rules (the core's registration
    hook); False when the core has no declared rules (then the case page shows the flag
    through a panel instead)."""
    from tracker.cases.registry import get_kind

    try:
        from intermediaries.credit.redflags import ITEM_PROVIDER_LISTED
    except ImportError:
        return False
    item = get_kind("item")
    if not hasattr(item, "red_flag_rules"):
        return False
    if ITEM_PROVIDER_LISTED not in item.red_flag_rules:
        item.red_flag_rules = (*item.red_flag_rules, ITEM_PROVIDER_LISTED)
    return True


def register_all() -> None:
    register_append_only("credit.CreditRecord", "credit.ScoringRule")
    register_panel(Panel("credit", "dashboard", "credit/_dashboard_panel.html", _dashboard))
    register_panel(Panel("credit", "firm", "credit/_firm_panel.html", _firm))
    if not _register_red_flag():
        register_panel(Panel("credit_listed_provider", "case", "credit/_case_flag.html", _case))
