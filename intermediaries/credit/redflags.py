"""The red flag credit adds to intermediary items: the provider firm is on the abnormal list
or the black list. One declaration (``tracker.redflags.declare``), added to the item kind's
``red_flag_rules`` when the app is ready; paths start at Case."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.redflags.declare import TODAY, AnyOf, Is, Rule, Some

ENTRIES = "intermediary_item__provider_firm__list_entries"


def _message(case, found) -> str:
    entries = sorted(found.get("entries", []), key=lambda e: (e.decision_date, e.pk))
    return _("实施机构“%(firm)s”已列入%(lists)s，仍被列为本事项的中介服务实施机构。") % {
        "firm": case.intermediary_item.provider_firm.name,
        "lists": "、".join(
            f"{e.get_list_type_display()}（{e.decision_no}，{e.decision_date.isoformat()}）"
            for e in entries
        ),
    }


# Decision and exit dates are never later than the day they are recorded (the services refuse
# future dates), so whether the rule holds changes only when the data changes.
ITEM_PROVIDER_LISTED = Rule(
    "item_provider_listed",
    gettext_lazy("实施机构列入经营异常名录或黑名单"),
    Some(
        ENTRIES,
        Is("decision_date", "lte", TODAY),
        AnyOf(Is("exited_on", "isnull", True), Is("exited_on", "gt", TODAY)),
        name="entries",
    ),
    _message,
    withdrawn=False,
)
