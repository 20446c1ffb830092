"""Each row's owner, outcome (new, duplicate, update) and model validation, without writing."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.cases import workflow
from tracker.cases.registry import CaseKind
from tracker.imports.engine import FileProblem, ImportContext, KindImporter, RowPlan
from tracker.imports.services.options import ImportOptions
from tracker.models import Case, User, end_of_year


def _owners(plans: list[RowPlan], ctx: ImportContext, options: ImportOptions) -> dict[int, User]:
    """责任人 per row (its 责任人 column) or for the file: only editors who can see the case."""
    from tracker.cases.scoping import EDITOR_ROLES, users_who_see

    eligible = users_who_see(ctx.jurisdiction).filter(role__in=EDITOR_ROLES)
    wanted = {str(p.extras["owner"]).strip() for p in plans if p.extras.get("owner")}
    by_name: dict[str, dict[int, User]] = {}
    known: dict[str, list[User]] = {}
    if wanted:
        for user in eligible:
            for label in {user.username, f"{user.last_name}{user.first_name}"}:
                by_name.setdefault(label, {})[user.pk] = user
        for user in User.objects.filter(username__in=wanted):
            known.setdefault(user.username, []).append(user)
    file_owner = options.owner
    if file_owner is not None and not eligible.filter(pk=file_owner.pk).exists():
        raise FileProblem(
            _("%(u)s不能编辑%(j)s的事项，不能作为责任人。")
            % {"u": file_owner, "j": ctx.jurisdiction.name}
        )
    result: dict[int, User] = {}
    for plan in plans:
        name = str(plan.extras.get("owner") or "").strip()
        if name:
            matches = list(by_name.get(name, {}).values())
            if len(matches) == 1:
                result[plan.number] = matches[0]
                plan.resolved.append((ctx.header("owner"), str(matches[0]), _("本行填写")))
            elif matches:
                plan.errors.append(
                    (ctx.header("owner"), _("“%(n)s”对应多名人员，请填写用户名。") % {"n": name})
                )
            elif name in known:
                plan.errors.append(
                    (
                        ctx.header("owner"),
                        _("%(u)s不能编辑%(j)s的事项，不能作为责任人。")
                        % {"u": name, "j": ctx.jurisdiction.name},
                    )
                )
            else:
                plan.errors.append(
                    (ctx.header("owner"), _("没有名为“%(n)s”的改革办人员。") % {"n": name})
                )
        elif file_owner is not None:
            result[plan.number] = file_owner
            plan.resolved.append((_("责任人"), str(file_owner), _("全文件指定")))
    return result


def _classify(plans: list[RowPlan], existing: dict[tuple, Case], policy: str) -> None:
    """Outcome per row: error, duplicate inside the file, duplicate of a case, or new."""
    winners: dict[tuple, RowPlan] = {}
    for plan in plans:
        plan.duplicate = ""
        if plan.errors:
            plan.outcome = "error"
            continue
        earlier = next((winners[k] for k in plan.keys if k in winners), None)
        if earlier is not None and earlier.outcome != "skip":
            plan.duplicate = "file"
            if policy == "skip":
                plan.outcome = "skip"
                plan.note = _("与第 %(n)d 行重复，已跳过。") % {"n": earlier.number}
                continue
            earlier.outcome = "skip"
            earlier.duplicate = "file"
            earlier.note = _("与第 %(n)d 行重复，以第 %(n)d 行为准。") % {"n": plan.number}
        for key in plan.keys:
            winners[key] = plan
        matches = {existing[k].pk: existing[k] for k in plan.keys if k in existing}
        if len(matches) > 1:
            refs = "、".join(c.reference for c in matches.values())
            plan.errors.append(
                ("", _("同时与多条已有事项重复（%(refs)s），无法确定更新哪一条。") % {"refs": refs})
            )
            plan.outcome = "error"
            continue
        if matches:
            case = next(iter(matches.values()))
            plan.existing = case
            plan.duplicate = plan.duplicate or "db"
            if policy == "skip":
                plan.outcome = "skip"
                plan.note = _("与已有事项 %(ref)s 重复，已跳过。") % {"ref": case.reference}
            else:
                plan.outcome = "update"
        else:
            plan.outcome = "create"


def _field_headers(importer: KindImporter, ctx: ImportContext) -> dict[tuple[str, str], str]:
    """(target, model field) -> the column header as written in the file."""
    result = {}
    for col in importer.columns:
        if col.target in ("case", "subject"):
            result[(col.target, col.field_name)] = ctx.header(col.key)
    result[("case", "title")] = ctx.header(importer.title_column)
    return result


def _collect(
    plan: RowPlan,
    target: str,
    exc: ValidationError,
    instance: models.Model,
    headers: dict[tuple[str, str], str],
) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            header = headers.get((target, name))
            if header is None and name != "__all__":
                try:
                    header = str(instance._meta.get_field(name).verbose_name)
                except Exception:
                    header = name
            for message in ValidationError(errors).messages:
                plan.errors.append((header or "", message))
    else:
        for message in exc.messages:
            plan.errors.append(("", message))


_REQUIRED: dict[type, list[models.Field]] = {}


def _required_fields(model: type[models.Model]) -> list[models.Field]:
    """Plain fields that may not be blank (relations are resolved and checked elsewhere)."""
    if model not in _REQUIRED:
        _REQUIRED[model] = [
            f
            for f in model._meta.concrete_fields
            if not f.blank and not f.is_relation and not f.primary_key and f.editable
        ]
    return _REQUIRED[model]


def _validate(
    plan: RowPlan,
    target: str,
    instance: models.Model,
    headers: dict[tuple[str, str], str],
    skip: list[str],
) -> None:
    """Required fields and the model's clean(), without queries or per-value validators.

    Cell parsers already enforce lengths, choices, dates and numbers, so the costly
    ``clean_fields`` (callable choices are rebuilt on every call) is not needed per row.
    """
    missing = {
        f.name: [_("该项不能为空。")]
        for f in _required_fields(type(instance))
        if f.name not in skip and getattr(instance, f.attname) in (None, "")
    }
    if missing:
        _collect(plan, target, ValidationError(missing), instance, headers)
        return
    try:
        instance.clean()
    except ValidationError as exc:
        _collect(plan, target, exc, instance, headers)


def _validate_new(
    plan: RowPlan, kind: CaseKind, ctx: ImportContext, headers: dict[tuple[str, str], str]
) -> None:
    today = ctx.cache.setdefault("today", timezone.localdate())
    defaults = {"registered_on": today, "deadline": ctx.cache.setdefault("eoy", end_of_year(today))}
    case = Case(
        kind=kind.key,
        jurisdiction=ctx.jurisdiction,
        title=plan.title,
        **{**defaults, **plan.case_fields},
    )
    _validate(plan, "case", case, headers, ["reference"])
    subject = kind.subject_model(**plan.subject_fields)
    _validate(plan, "subject", subject, headers, ["case"])
    plan.case_obj, plan.subject_obj = case, subject


def _differs(instance: models.Model, name: str, value: Any) -> bool:
    f = instance._meta.get_field(name)
    current = getattr(instance, f.attname)
    if f.is_relation:
        return current != (value.pk if value is not None else None)
    return current != value


def _diff_and_validate(
    plan: RowPlan,
    kind: CaseKind,
    importer: KindImporter,
    ctx: ImportContext,
    headers: dict[tuple[str, str], str],
) -> None:
    case = plan.existing
    subject = case.subject
    case_changes = {n: v for n, v in plan.case_fields.items() if _differs(case, n, v)}
    subject_changes = {n: v for n, v in plan.subject_fields.items() if _differs(subject, n, v)}
    extra = importer.extra_changes(plan, case)
    plan.changes = {"case": case_changes, "subject": subject_changes}
    plan.changed_labels = [
        *(str(Case._meta.get_field(n).verbose_name) for n in case_changes),
        *(str(subject._meta.get_field(n).verbose_name) for n in subject_changes),
        *extra,
    ]
    if not plan.changed_labels:
        plan.outcome = "unchanged"
        plan.note = _("与已有事项 %(ref)s 相同。") % {"ref": case.reference}
        return
    if not workflow.is_editable(case.status):
        plan.errors.append(
            ("", _("已有事项 %(ref)s 已销号或已撤回，不能通过导入修改。") % {"ref": case.reference})
        )
        return
    refused = workflow.decision_change_refusal(case, case_changes)
    if refused:
        plan.errors.append(
            (
                "",
                _("已有事项 %(ref)s 的决定已作出：请走回头看（重新决定），导入不能修改。")
                % {"ref": case.reference},
            )
        )
        return
    plan.note = _("更新 %(ref)s：%(fields)s") % {
        "ref": case.reference,
        "fields": "、".join(plan.changed_labels),
    }
    merged_case = copy.copy(case)
    for name, value in case_changes.items():
        setattr(merged_case, name, value)
    _validate(plan, "case", merged_case, headers, ["reference"])
    merged_subject = copy.copy(subject)
    for name, value in subject_changes.items():
        setattr(merged_subject, name, value)
    _validate(plan, "subject", merged_subject, headers, ["case"])
