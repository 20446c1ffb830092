"""The case table: the same columns on every list, sortable, exportable.

Two things keep the list fast at province scale (docs/performance.md):

* ``CaseTableData`` pages by primary key first (a "deferred join"): the page's ids come from
  the scoped, filtered, ordered query without the joined tables (a subquery), and only those
  rows are read with their jurisdiction, department and owner. A sort or a deep OFFSET then
  runs over one narrow index instead of every joined row. ``OneQueryPaginator`` reads the
  total in the same query (a scalar COUNT subquery), so a list page costs one query.
* ``CaseTable.paginated_rows`` renders each page cell with the table's own ``render_*``
  methods directly, skipping django-tables2's per-cell accessor, signature inspection and
  ``get_FOO_display`` machinery (which re-normalises the callable kind and disposition
  choices on every cell). The HTML is the same.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_tables2.data import TableQuerysetData
from django_tables2.rows import BoundRow, BoundRows
from django_tables2.utils import AttributeDict

from tracker.cases.registry import kind_choices
from tracker.cases.selectors import count_of
from tracker.cases.workflow import OPEN_STATUSES, Status
from tracker.models import Case
from tracker.web.pagination import MAX_PAGE

# The case list's columns; the admin changelist shows the same ones, so the benchmark
# compares like with like (tracker/tooling/bench).
LIST_COLUMNS = (
    "reference",
    "title",
    "kind",
    "jurisdiction",
    "department",
    "status",
    "disposition",
    "deadline",
    "owner",
)


class CaseTableData(TableQuerysetData):
    """Queryset data that reads one page and the total number of rows in one query.

    ``total``: an exact count of the whole data as a scalar SQL expression, when the caller
    has a cheaper one than counting the filtered queryset (``selectors.scope_total``)."""

    total: Any = None

    def _stable(self):
        """The data ordered with the primary key breaking ties (pages never overlap)."""
        data = self.data
        ordering = list(data.query.order_by) or list(data.model._meta.ordering)
        if not any(isinstance(o, str) and o.lstrip("-") in ("pk", "id") for o in ordering):
            data = data.order_by(*ordering, "-pk")
        return data

    def page_with_count(self, bottom: int, top: int) -> tuple[list, int | None]:
        """Rows bottom..top and the total, or ([], None) for a page past the end.

        The ordered, sliced id subquery reads no joined table (a sort or a deep OFFSET runs
        over one narrow index); the outer query joins jurisdiction, department and owner for
        the page's rows only, and carries the count of the whole filtered scope.
        """
        data = self._stable()
        page_ids = data.values("pk")[bottom:top]
        total = self.total if self.total is not None else count_of(self.data)
        rows = list(data.filter(pk__in=page_ids).annotate(list_total=total))
        return rows, (rows[0].list_total if rows else None)

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return super().__getitem__(key)
        data = self._stable()
        return list(data.filter(pk__in=data.values("pk")[key]))


class OneQueryPaginator(Paginator):
    """Pages CaseTableData with one query for the rows and the total (plus one more only for
    a page past the end, to know the last page)."""

    def page(self, number):
        number = self.validate_page_number(number)
        data = self.object_list.data
        bottom = (number - 1) * self.per_page
        records, total = data.page_with_count(bottom, bottom + self.per_page)
        if total is None:  # no row on this page: none at all, or a page past the end
            total = 0 if number == 1 else data.data.count()
        self.__dict__["count"] = total  # Paginator.count is a cached_property
        data._length = total
        if not records and number > self.num_pages:
            raise EmptyPage(self.error_messages["no_results"])
        rows = BoundRows(data=records, table=self.object_list.table)
        return self._get_page(rows, number, self)

    def validate_page_number(self, number) -> int:
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"])
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return min(number, MAX_PAGE)


class _Attrs:
    """Attributes whose ``as_html`` is already rendered (the template reads it per cell)."""

    __slots__ = ("as_html",)

    def __init__(self, attrs: AttributeDict):
        self.as_html = attrs.as_html()


class _FastColumn:
    """What the table template reads from a column while rendering body cells."""

    __slots__ = ("attrs", "name")

    def __init__(self, bound_column):
        self.name = bound_column.name
        self.attrs = {"td": _Attrs(AttributeDict(bound_column.attrs.get("td", {})))}


class _FastRow:
    """One pre-rendered body row: ``attrs``, ``record`` and ``items()`` like a BoundRow."""

    __slots__ = ("_items", "attrs", "record")

    def __init__(self, record, items, attrs: _Attrs):
        self.record = record
        self._items = items
        self.attrs = attrs

    def items(self):
        return self._items


class _Labels:
    """What every row of a page shares: the kind and status labels in the active language,
    and the case detail URL with the reference left to fill in."""

    def __init__(self):
        self.kinds = {k: str(label) for k, label in kind_choices()}
        self.statuses = {k: str(label) for k, label in Status.choices}
        marker = "0REFERENCE0"
        self._url = reverse("tracker:case_detail", args=[marker]).split(marker)

    def case_url(self, reference: str) -> str:
        # reverse() quotes a path argument the same way
        return quote(reference, safe="/~:@!$&'()*+,;=").join(self._url)


class CaseTable(tables.Table):
    reference = tables.Column(verbose_name=_("编号"), linkify=False)
    title = tables.Column(verbose_name=_("名称"), attrs={"td": {"class": "wrap"}})
    kind = tables.Column(verbose_name=_("类别"))
    jurisdiction = tables.Column(verbose_name=_("行政区划"), order_by=("jurisdiction__code",))
    department = tables.Column(verbose_name=_("责任部门"), order_by=("department__name",))
    status = tables.Column(verbose_name=_("状态"))
    disposition = tables.Column(verbose_name=_("处理决定"), orderable=False)
    deadline = tables.Column(verbose_name=_("完成时限"))
    owner = tables.Column(verbose_name=_("责任人"), order_by=("owner__username",))

    class Meta:
        model = Case
        fields = LIST_COLUMNS
        order_by = ("-id",)
        attrs = {"class": "table cases"}
        empty_text = _("没有符合条件的事项。")

    def paginate(self, paginator_class=Paginator, *args, **kwargs):
        if paginator_class is Paginator and isinstance(self.data, CaseTableData):
            paginator_class = OneQueryPaginator
        return super().paginate(paginator_class, *args, **kwargs)

    def __init__(self, data=None, *args, total=None, **kwargs):
        if data is not None and TableQuerysetData.validate(data):
            data = CaseTableData(data)
            data.total = total
        super().__init__(data, *args, **kwargs)
        self.today = timezone.localdate()

    # --- fast body rendering -------------------------------------------------------------

    @property
    def paginated_rows(self):
        rows = super().paginated_rows
        if not hasattr(self, "page"):
            return rows
        records = rows.data
        if not isinstance(records, list):  # not sliced through CaseTableData
            return rows
        columns = [(bc, _FastColumn(bc)) for bc in self.columns]
        labels = _Labels()
        row_attrs = [_Attrs(AttributeDict({"class": c})) for c in ("even", "odd")]
        fast = []
        for n, record in enumerate(records):
            items = [
                (fc, self._cell(bc.name, record, bc.default, labels, rows, n)) for bc, fc in columns
            ]
            fast.append(_FastRow(record, items, row_attrs[n % 2]))
        return fast

    def body_html(self):
        """The page's body rows as HTML, written here rather than by the template's loop over
        every cell (225 cells a page), or None: then the template's loop renders them (an
        empty page, or data not paged through CaseTableData)."""
        rows = self.paginated_rows
        if not isinstance(rows, list) or not rows:
            return None
        html = []
        for row in rows:
            cells = "".join(
                f"<td {column.attrs['td'].as_html}>{conditional_escape(cell)}</td>"
                for column, cell in row.items()
            )
            html.append(f"<tr {row.attrs.as_html}>{cells}</tr>")
        return mark_safe("\n".join(html))

    # --- fast export values (tracker.imports.exports reads as_values() for every row) -------------

    def as_values(self, exclude_columns=None):
        """Header row, then each record's export values: what django-tables2's as_values()
        gives for these columns (after the exporter strips HTML), without its per-cell cost."""
        exclude = set(exclude_columns or ())
        columns = [
            c
            for c in self.columns.iterall()
            if not (c.column.exclude_from_export or c.name in exclude)
        ]
        yield [force_str(c.header, strings_only=True) for c in columns]
        labels = _Labels()
        for record in self.data:
            yield [self._value(c.name, record, labels) for c in columns]

    def _value(self, name: str, record: Case, labels: _Labels) -> Any:
        if name == "reference":
            return record.reference or None
        if name == "title":
            return record.title or None
        if name == "kind":
            return labels.kinds.get(record.kind, record.kind) or None
        if name in ("jurisdiction", "department", "owner"):
            related = getattr(record, name)
            return None if related is None else str(related)
        if name == "status":
            return labels.statuses.get(record.status, record.status) or None
        if name == "disposition":
            return (record.disposition_label() or None) if record.disposition else None
        if name == "deadline":
            return record.deadline.isoformat() if record.deadline else None
        value = BoundRow(record, table=self).get_cell_value(name)
        return force_str(value, strings_only=True)

    def _cell(self, name: str, record: Case, default: Any, labels: _Labels, rows, n: int) -> Any:
        """One body cell, as django-tables2 would render it (empty values show the default):
        the same HTML as the ``render_*`` methods, with the labels and the detail URL
        worked out once per page instead of once per row."""
        if name == "reference":
            return format_html(
                '<a href="{}">{}</a>', labels.case_url(record.reference), record.reference
            )
        if name == "title":
            return record.title or default
        if name == "kind":
            return labels.kinds.get(record.kind, record.kind) or default
        if name in ("jurisdiction", "department", "owner"):
            related = getattr(record, name)
            return default if related is None else str(related)
        if name == "status":
            if not record.status:
                return default
            return format_html(
                '<span class="badge status-{}">{}</span>',
                record.status,
                labels.statuses.get(record.status, record.status),
            )
        if name == "disposition":
            label = record.disposition_label()
            return label if label else default
        if name == "deadline":
            return self.render_deadline(record.deadline, record) if record.deadline else default
        # A column added later: django-tables2's own (slower) path.
        return BoundRow(record, table=self).get_cell(name)

    def render_reference(self, value, record):
        url = reverse("tracker:case_detail", args=[record.reference])
        return format_html('<a href="{}">{}</a>', url, value)

    def render_status(self, value, record):
        return format_html(
            '<span class="badge status-{}">{}</span>', record.status, record.get_status_display()
        )

    def render_disposition(self, value, record):
        return record.disposition_label()

    def render_deadline(self, value, record):
        if record.status in OPEN_STATUSES and value < self.today:
            days = (self.today - value).days
            return format_html(
                '{} <span class="badge overdue">{}</span>',
                value.isoformat(),
                _("逾期%(d)d天") % {"d": days},
            )
        return value.isoformat()

    def value_disposition(self, value, record):
        return record.disposition_label()

    def value_status(self, value, record):
        return record.get_status_display()

    def value_deadline(self, value, record):
        return value.isoformat()
