"""The shared, bounded paginator: every ``page`` and ``per_page`` parameter of every list goes
through ``bounded_page_params``, so no request reaches the database with a negative, huge or
malformed OFFSET/LIMIT (issue 19: ``?page=10**20`` was "bigint out of range", ``?per_page=-1``
"negative indexing")."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator

MAX_PER_PAGE = 100
# Deeper than any real list (10**6 pages of 100 rows): beyond it the last page is shown.
MAX_PAGE = 10**6


def _positive_int(raw, ceiling: int) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit() or len(text) > 12:
        return ceiling if text.isdigit() else None
    value = int(text)
    return min(value, ceiling) if value >= 1 else None


def bounded_page_params(
    query: Mapping, *, default_per_page: int, max_per_page: int = MAX_PER_PAGE
) -> tuple[int, int]:
    """(page, per_page) from a query: whole numbers ≥ 1, at most MAX_PAGE and max_per_page;
    anything else falls back to page 1 and the default page size."""
    page = _positive_int(query.get("page"), MAX_PAGE) or 1
    per_page = _positive_int(query.get("per_page"), max_per_page) or default_per_page
    return page, per_page


class BoundedPaginator(Paginator):
    """A Paginator whose page numbers are clamped to 1..MAX_PAGE before any query."""

    def validate_page_number(self, number):
        if isinstance(number, str):
            number = _positive_int(number, MAX_PAGE) or number
        elif isinstance(number, int) and number > MAX_PAGE:
            number = MAX_PAGE
        return super().validate_page_number(number)


def page_of(object_list, query: Mapping, *, per_page: int) -> Page:
    """The requested page of ``object_list`` (page size fixed by the view): the first page for
    a malformed number, the last for one past the end."""
    page, _size = bounded_page_params(query, default_per_page=per_page, max_per_page=per_page)
    return BoundedPaginator(object_list, per_page).get_page(page)


def configure_table(request, table, *, per_page: int) -> None:
    """django-tables2's RequestConfig with the page and page size bounded first (its own
    ``int(request.GET["per_page"])`` lets any value through)."""
    from django_tables2 import RequestConfig

    RequestConfig(request, paginate=False).configure(table)
    page, size = bounded_page_params(request.GET, default_per_page=per_page)
    try:
        table.paginate(page=page, per_page=size)
    except PageNotAnInteger:
        table.page = table.paginator.page(1)
    except EmptyPage:
        table.page = table.paginator.page(table.paginator.num_pages)
