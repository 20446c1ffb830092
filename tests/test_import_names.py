"""Department names in imported lists (issue 15): full names, short forms from the seeded alias
table, 市/区/县 prefixes, unique prefixes; candidates for unknown names, fixed in the preview."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import DepartmentFactory
from tests.test_import_support import preview, xlsx_bytes
from tracker.cases.workflow import Role
from tracker.imports import services as import_services
from tracker.imports.names import DepartmentResolver, NameProblem
from tracker.models import Case, DepartmentAlias

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def city_departments(city):
    names = [
        "测试市发展和改革委员会",
        "测试市交通运输局",
        "测试市自然资源和规划局",
        "测试市住房和城乡建设局",
        "测试市市场监督管理局",
        "测试市财政局",
    ]
    return {name: DepartmentFactory(jurisdiction=city, name=name) for name in names}


def test_the_common_short_forms_are_seeded():
    seeded = dict(
        DepartmentAlias.objects.filter(department__isnull=True).values_list("alias", "full_form")
    )
    assert seeded["发改委"] == "发展和改革委员会"
    assert seeded["住建局"] == seeded["住房城乡建设局"] == "住房和城乡建设局"
    assert seeded["交通局"] == "交通运输局"
    assert seeded["市场监管局"] == "市场监督管理局"
    assert seeded["自然资源局"] == "自然资源和规划局"


@pytest.mark.parametrize(
    "written, expected, how",
    [
        ("测试市财政局", "测试市财政局", "exact"),
        ("市发改委", "测试市发展和改革委员会", "common"),
        ("发改委", "测试市发展和改革委员会", "common"),
        ("市交通局", "测试市交通运输局", "common"),
        ("市自然资源局", "测试市自然资源和规划局", "common"),
        ("市住房城乡建设局", "测试市住房和城乡建设局", "common"),
        ("住建局", "测试市住房和城乡建设局", "common"),
        ("测试市 市场监管局", "测试市市场监督管理局", "common"),
        ("财政局", "测试市财政局", "common"),
        ("市财政", "测试市财政局", "prefix"),
    ],
)
def test_resolver_names_the_department_and_why(city, city_departments, written, expected, how):
    resolution = DepartmentResolver(city).resolve(written)
    assert (resolution.department.name, resolution.how) == (expected, how)
    assert resolution.why


def test_district_prefix_in_a_county_list(county_a):
    dept = DepartmentFactory(jurisdiction=county_a, name="甲区住房和城乡建设局")
    DepartmentFactory(jurisdiction=county_a, name="甲区交通运输局")
    resolution = DepartmentResolver(county_a).resolve("区住建局")
    assert resolution.department == dept
    assert "住建局＝住房和城乡建设局" in resolution.why


def test_unknown_name_lists_the_closest_candidates(city, city_departments):
    with pytest.raises(NameProblem) as caught:
        DepartmentResolver(city).resolve("市住房保障局")
    names = [d.name for d in caught.value.candidates]
    assert names[0] == "测试市住房和城乡建设局"
    assert "最接近的：" in str(caught.value)


def test_ambiguous_prefix_lists_both(city):
    a = DepartmentFactory(jurisdiction=city, name="测试市文化广电旅游局")
    b = DepartmentFactory(jurisdiction=city, name="测试市文化市场综合执法队")
    with pytest.raises(NameProblem) as caught:
        DepartmentResolver(city).resolve("市文化")
    assert set(caught.value.candidates) == {a, b}
    assert "对应多个部门" in str(caught.value)


def test_saved_alias_for_one_department(county_a, alice):
    dept = DepartmentFactory(jurisdiction=county_a, name="甲区综合行政执法局")
    DepartmentAlias.objects.create(alias="城管执法", jurisdiction=county_a, department=dept)
    resolution = DepartmentResolver(county_a).resolve("城管执法")
    assert (resolution.department, resolution.how) == (dept, "alias")


def test_alias_pointing_to_another_jurisdiction_is_a_clear_row_error(alice, county_a, county_b):
    other = DepartmentFactory(jurisdiction=county_b, name="乙区住房和城乡建设局")
    DepartmentAlias.objects.create(alias="区建设局", department=other)  # valid everywhere
    rows = [["中介服务事项名称", "审批部门"], ["事项一", "区建设局"]]
    report = import_services.import_file(
        xlsx_bytes(rows), kind="item", jurisdiction=county_a, user=alice, file_name="a.xlsx"
    )
    assert not report.committed
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "审批部门")]
    assert "指向乙区的部门“乙区住房和城乡建设局”，不属于甲区" in report.errors[0]["message"]
    assert Case.objects.count() == 0


def test_alias_model_refuses_a_department_of_another_jurisdiction(county_a, county_b):
    other = DepartmentFactory(jurisdiction=county_b, name="乙区财政局")
    alias = DepartmentAlias(alias="财政", jurisdiction=county_a, department=other)
    with pytest.raises(ValidationError) as caught:
        alias.full_clean()
    assert "属于乙区" in str(caught.value)


def test_preview_shows_the_department_chosen_and_why(alice, county_a):
    dept = DepartmentFactory(jurisdiction=county_a, name="甲区住房和城乡建设局")
    rows = [["中介服务事项名称", "审批部门"], ["事项一", "区住建局"]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert report.ok, report.errors
    assert report.rows[0].resolved[0][:2] == ("审批部门", dept.name)
    assert "常用简称" in report.rows[0].resolved[0][2]


def test_unknown_name_fixed_in_the_preview_without_reupload(alice, county_a, client_as):
    dept = DepartmentFactory(jurisdiction=county_a, name="甲区行政审批局")
    rows = [
        ["中介服务事项名称", "审批部门"],
        ["事项一", "区审改办"],
        ["事项二", "区审改办"],
    ]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert not report.ok
    batch = report.batch
    client = client_as(alice)
    page = client.get(f"/imports/{batch.pk}/")
    assert "需要选择的部门" in page.content.decode()
    assert "“区审改办”" in page.content.decode()
    answer = client.post(
        f"/imports/{batch.pk}/resolve/",
        {"name": "区审改办", "department": dept.pk, "save_alias": "1"},
    )
    assert answer.status_code == 302
    batch.refresh_from_db()
    assert batch.resolutions == {"department": {"区审改办": dept.pk}}
    again = import_services.batch_analyse(batch, by=alice)
    assert again.ok, again.errors
    assert [r.case_fields["department"] for r in again.rows] == [dept, dept]
    assert again.rows[0].resolved[0][2] == "预览中选定"
    alias = DepartmentAlias.objects.get(alias="区审改办")
    assert (alias.department, alias.jurisdiction) == (dept, county_a)
    assert alias.history.get().history_change_reason.startswith("导入预览中保存别名")
    page = client.get(f"/imports/{batch.pk}/")
    assert "确认导入" in page.content.decode()
    client.post(f"/imports/{batch.pk}/commit/")
    assert Case.objects.filter(department=dept).count() == 2


def test_choosing_a_department_of_another_jurisdiction_is_refused(alice, county_a, county_b):
    rows = [["中介服务事项名称", "审批部门"], ["事项一", "某局"]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    other = DepartmentFactory(jurisdiction=county_b, name="乙区某局")
    with pytest.raises(ValidationError):
        import_services.batch_choose_department(
            batch=report.batch, by=alice, name="某局", department=other
        )


def test_resolve_view_refuses_a_department_outside_the_batch(alice, county_a, county_b, client_as):
    rows = [["中介服务事项名称", "审批部门"], ["事项一", "某局"]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    other = DepartmentFactory(jurisdiction=county_b, name="乙区某局")
    answer = client_as(alice).post(
        f"/imports/{report.batch.pk}/resolve/",
        {"name": "某局", "department": other.pk},
        follow=True,
    )
    assert "请选择甲区的一个部门" in answer.content.decode()
    report.batch.refresh_from_db()
    assert report.batch.resolutions == {}


def test_viewer_cannot_resolve(vera, alice, county_a, client_as):
    assert vera.role == Role.VIEWER
    rows = [["中介服务事项名称", "审批部门"], ["事项一", "某局"]]
    report = preview(xlsx_bytes(rows), alice, county_a)
    assert client_as(vera).post(f"/imports/{report.batch.pk}/resolve/").status_code == 403
