"""The fee item kind's part of ``manage.py seed_demo``: the made-up fee register of 青岚市.

The core (``tracker.tooling.demo``, run by ``manage.py seed_demo``) reaches this module only through the kind
registry (``CaseKind.demo``); ``ctx`` is its ``DemoSeeder`` (tracker.tooling.kinddata says what of it
a hook may use). Every draw is from ``ctx.rng``, in the order the command calls the hook.
"""

from __future__ import annotations

from decimal import Decimal

from fees.models import FeeDisposition, FeeKind, RevenueHandling, SetLevel
from tracker.tooling.kinddata import DemoKind, DemoSubject

# name, kind, level that set it, department key, revenue handling, basis, standard,
# amount, payer scope, affects enterprises
FEE_CATALOGUE = [
    ("城市道路占用费", FeeKind.ADMINISTRATIVE, SetLevel.PROVINCE, "zjj",
     RevenueHandling.LOCAL_TREASURY, "《城市道路管理条例》", "按占用面积每平方米每日计收", "1.20",
     "占用城市道路的单位和个人", True),
    ("城市道路挖掘修复费", FeeKind.ADMINISTRATIVE, SetLevel.PROVINCE, "zjj",
     RevenueHandling.LOCAL_TREASURY, "《城市道路管理条例》", "按挖掘面积和路面结构计收", "",
     "挖掘城市道路的单位", True),
    ("城市基础设施配套费", FeeKind.ADMINISTRATIVE, SetLevel.PROVINCE, "zjj",
     RevenueHandling.LOCAL_TREASURY, "省级收费文件", "按建筑面积每平方米计收", "80.00",
     "建设单位", True),
    ("防空地下室易地建设费", FeeKind.ADMINISTRATIVE, SetLevel.PROVINCE, "zjj",
     RevenueHandling.LOCAL_TREASURY, "《中华人民共和国人民防空法》", "按应建面积计收", "",
     "建设单位", True),
    ("城镇垃圾处理费", FeeKind.ADMINISTRATIVE, SetLevel.CITY, "zjj",
     RevenueHandling.LOCAL_TREASURY, "本市收费文件", "按户每月计收", "8.00",
     "城镇居民和单位", True),
    ("白蚁防治费", FeeKind.GOV_PRICED, SetLevel.CITY, "zjj", RevenueHandling.OTHER,
     "本市价格文件", "按建筑面积每平方米计收", "1.50", "新建房屋建设单位", True),
    ("房屋安全鉴定费", FeeKind.INTERMEDIARY, SetLevel.CITY, "zjj", RevenueHandling.OTHER,
     "本市价格文件", "按鉴定面积计收", "", "委托鉴定的单位和个人", True),
    ("施工图审查费", FeeKind.INTERMEDIARY, SetLevel.CITY, "zjj", RevenueHandling.OTHER,
     "本市价格文件", "按建筑面积计收", "", "建设单位", True),
    ("不动产登记费", FeeKind.ADMINISTRATIVE, SetLevel.CENTRAL, "zrzy",
     RevenueHandling.LOCAL_TREASURY, "国家不动产登记收费标准", "住宅每件80元，非住宅每件550元",
     "80.00", "不动产登记申请人", True),
    ("土地复垦费", FeeKind.ADMINISTRATIVE, SetLevel.PROVINCE, "zrzy",
     RevenueHandling.LOCAL_TREASURY, "《土地复垦条例》", "按损毁土地面积计收", "",
     "生产建设单位", True),
    ("水土保持补偿费", FeeKind.ADMINISTRATIVE, SetLevel.CENTRAL, "sl",
     RevenueHandling.LOCAL_TREASURY, "《中华人民共和国水土保持法》", "按征占用土地面积一次性计征",
     "1.20", "生产建设单位", True),
    ("地方水利建设基金", FeeKind.FUND, SetLevel.PROVINCE, "sl", RevenueHandling.LOCAL_TREASURY,
     "省级基金文件", "按规定比例计征", "", "企事业单位", True),
    ("污水处理费", FeeKind.FUND, SetLevel.PROVINCE, "zjj", RevenueHandling.LOCAL_TREASURY,
     "《城镇排水与污水处理条例》", "居民每立方米计收", "0.95", "排水单位和个人", True),
    ("特种设备检验检测费", FeeKind.GOV_PRICED, SetLevel.PROVINCE, "scjg", RevenueHandling.OTHER,
     "省级价格文件", "按设备类别计收", "", "特种设备使用单位", True),
    ("计量器具检定费", FeeKind.ADMINISTRATIVE, SetLevel.PROVINCE, "scjg",
     RevenueHandling.LOCAL_TREASURY, "《中华人民共和国计量法》", "按器具类别计收", "",
     "计量器具使用单位", True),
    ("环境监测服务费", FeeKind.GOV_PRICED, SetLevel.CITY, "sthj", RevenueHandling.OTHER,
     "本市价格文件", "按监测项目计收", "", "委托监测单位", True),
    ("机动车停放服务收费", FeeKind.GOV_PRICED, SetLevel.CITY, "jt", RevenueHandling.OTHER,
     "本市价格文件", "首小时5元，此后每小时2元", "5.00", "停放车辆的驾驶人", False),
    ("残疾人就业保障金", FeeKind.FUND, SetLevel.CENTRAL, "cz", RevenueHandling.LOCAL_TREASURY,
     "《残疾人就业条例》", "按差额人数和上年平均工资计征", "", "未按比例安排残疾人就业的单位",
     True),
    ("公共资源交易服务费", FeeKind.GOV_PRICED, SetLevel.CITY, "cz", RevenueHandling.OTHER,
     "本市价格文件", "按中标金额分档累进计收", "", "中标单位", True),
    ("考试考务费", FeeKind.ADMINISTRATIVE, SetLevel.CENTRAL, "wjw",
     RevenueHandling.LOCAL_TREASURY, "国家考试收费文件", "每人每科计收", "60.00", "报考人员",
     False),
    ("医疗机构执业许可证工本费", FeeKind.ADMINISTRATIVE, SetLevel.PROVINCE, "wjw",
     RevenueHandling.LOCAL_TREASURY, "省级收费文件", "每证计收", "10.00", "医疗机构", True),
    ("安全生产检测检验服务费", FeeKind.INTERMEDIARY, SetLevel.CITY, "yj", RevenueHandling.OTHER,
     "本市价格文件", "按检测项目计收", "", "生产经营单位", True),
    ("价格认定服务费", FeeKind.GOV_PRICED, SetLevel.CITY, "fgw", RevenueHandling.OTHER,
     "本市价格文件", "按标的金额分档计收", "", "委托认定的单位和个人", True),
]  # fmt: skip


def plan_fee(ctx, index: int) -> DemoSubject:
    rng = ctx.rng
    jurisdiction = ctx.pick_jurisdiction(with_departments=False)
    depts = ctx.departments_in(jurisdiction.code)
    keys = {ctx.dept_key[d.pk] for d in depts}
    entries = [e for e in FEE_CATALOGUE if e[3] in keys] or FEE_CATALOGUE
    name, fee_kind, level, key, revenue, basis, standard, amount, payers, affects = rng.choice(
        entries
    )
    department = ctx.departments.get(key, {}).get(jurisdiction.code)
    if department is not None:
        unit = department.name
    else:
        unit = f"{jurisdiction.name}{ctx.department_catalogue[key][0]}"
    subject = {
        "name": name,
        "fee_kind": fee_kind,
        "set_level": level,
        "collecting_unit": unit,
        "revenue_handling": revenue,
        "legal_basis": basis,
        "standard": standard,
        "amount": Decimal(amount) if amount else None,
        "payer_scope": payers,
        "affects_enterprises": affects,
        "annual_revenue": Decimal(rng.randrange(500, 250000)) / 100,
    }
    if fee_kind == FeeKind.INTERMEDIARY:
        weights = [(FeeDisposition.MARKET, 5), (FeeDisposition.FEE_CANCEL, 3)]
    elif fee_kind == FeeKind.GOV_PRICED:
        weights = [
            (FeeDisposition.MARKET, 5),
            (FeeDisposition.REDUCE, 3),
            (FeeDisposition.KEEP, 3),
        ]
    else:
        weights = [
            (FeeDisposition.KEEP, 30),
            (FeeDisposition.FEE_CANCEL, 10),
            (FeeDisposition.SUSPEND, 8),
            (FeeDisposition.EXEMPT, 12),
            (FeeDisposition.REDUCE, 15),
            (FeeDisposition.TRANSFER_OUT, 5),
        ]
    disposition = rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]
    return DemoSubject(jurisdiction, department, subject, {}, disposition)


FEE_DEMO = DemoKind(
    share=0.32,  # the last kind: it takes the cases the others leave
    done_at_decision=5,
    decision_issuer=("{abbr}政办发", "{name}人民政府办公室"),
    plan=plan_fee,
    milestone_issuers={
        "legality": ("{abbr}司法审", "{name}司法局"),
        "proposal": "finance",
        "finance_review": "price",
        "approval": "government",
        "catalogue": "finance",
        "notice": "price",
    },
)
