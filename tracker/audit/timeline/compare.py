"""Compare: two versions of a case lined up field by field."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from tracker.audit.timeline.entries import display
from tracker.audit.timeline.versions import CaseState
from tracker.models import Case, Evidence, Milestone

# --- compare -------------------------------------------------------------------------------

CASE_COMPARE_FIELDS = (
    "title",
    "status",
    "jurisdiction",
    "department",
    "owner",
    "registered_on",
    "deadline",
    "disposition",
    "decision_doc_no",
    "decision_date",
    "version",
)


@dataclass
class CompareRow:
    label: str
    a: str
    b: str

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass
class CompareSection:
    title: str
    rows: list[CompareRow]

    @property
    def changed_count(self) -> int:
        return sum(1 for r in self.rows if r.changed)


def _case_values(state: CaseState | None) -> dict[str, str]:
    if state is None:
        return {}
    case = state.case
    out = {}
    for name in CASE_COMPARE_FIELDS:
        f = Case._meta.get_field(name)
        if name == "disposition":
            out[name] = case.disposition_label() if case.disposition else ""
        elif f.is_relation:
            out[name] = str(getattr(case, name) or "")
        else:
            out[name] = display(f, getattr(case, f.attname), {})
    return out


def _milestone_text(m: Milestone) -> str:
    if not m.done:
        return str(_("未完成"))
    parts = [str(_("已完成")), m.effective_date.isoformat() if m.effective_date else ""]
    if m.doc_no:
        parts.append(m.doc_no)
    if m.evidence_id:
        parts.append(str(m.evidence or ""))
    return " ".join(p for p in parts if p)


def _evidence_text(e: Evidence) -> str:
    text = e.title + (f"（{e.doc_no}）" if e.doc_no else "")
    if e.superseded_by_id:
        text += " " + str(_("[已被替换为：%(t)s]") % {"t": e.superseded_by or ""})
    return text


def compare_states(a: CaseState | None, b: CaseState | None) -> list[CompareSection]:
    """Two versions of a case lined up field by field (rows flag the fields that differ)."""
    sections = []
    va, vb = _case_values(a), _case_values(b)
    sections.append(
        CompareSection(
            str(_("办理信息")),
            [
                CompareRow(str(Case._meta.get_field(n).verbose_name), va.get(n, ""), vb.get(n, ""))
                for n in CASE_COMPARE_FIELDS
            ],
        )
    )
    sa = {v.label: str(v.value) for v in (a.subject_fields if a else [])}
    sb = {v.label: str(v.value) for v in (b.subject_fields if b else [])}
    labels = list(dict.fromkeys([*sa, *sb]))
    sections.append(
        CompareSection(
            str(_("登记信息")),
            [CompareRow(lbl, sa.get(lbl, ""), sb.get(lbl, "")) for lbl in labels],
        )
    )
    ma = {m.pk: m for m in (a.milestones if a else [])}
    mb = {m.pk: m for m in (b.milestones if b else [])}
    order = sorted({*ma, *mb}, key=lambda pk: ((ma.get(pk) or mb.get(pk)).order, pk))
    sections.append(
        CompareSection(
            str(_("进度节点")),
            [
                CompareRow(
                    (ma.get(pk) or mb.get(pk)).name,
                    _milestone_text(ma[pk]) if pk in ma else "",
                    _milestone_text(mb[pk]) if pk in mb else "",
                )
                for pk in order
            ],
        )
    )
    ea = {e.pk: e for e in (a.evidence if a else [])}
    eb = {e.pk: e for e in (b.evidence if b else [])}
    sections.append(
        CompareSection(
            str(_("佐证材料")),
            [
                CompareRow(
                    (ea.get(pk) or eb.get(pk)).title,
                    _evidence_text(ea[pk]) if pk in ea else "",
                    _evidence_text(eb[pk]) if pk in eb else "",
                )
                for pk in sorted({*ea, *eb})
            ],
        )
    )
    return sections
