"""``manage.py seed_demo``: a made-up city with a year of clean-up work, for demos only.

Everything is fictional: the city 青岚市 (code 339900, not a real GB/T 2260 division), its
districts and counties, departments, firms, fees and people. Cases are written only through
``tracker.cases.services`` so the history (user, reason, date) looks like a real year of work; the
clock is moved with time-machine so history dates spread from January to yesterday.

The command refuses to touch a database that holds anything but its own demo data.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from fees.models import FeeDisposition, FeeKind, RevenueHandling, SetLevel
from intermediaries.models import (
    ApprovalItem,
    DecouplingDisposition,
    IntermediaryFirm,
    ItemDisposition,
    PersonStatus,
    PostDisposition,
    PostType,
    PricingMethod,
    ProviderNature,
    RankBand,
)
from tracker.cases import services
from tracker.cases.registry import get_kind
from tracker.cases.validators import CREDIT_ALPHABET, CREDIT_WEIGHTS, ORG_WEIGHTS
from tracker.cases.workflow import OPEN_STATUSES, Role, Status
from tracker.models import Case, Department, Jurisdiction, Milestone, Note, User

DEMO_PASSWORD = "tracker-demo"
SETUP_REASON = "演示数据初始化"

# --- the made-up city --------------------------------------------------------------------

CITY = ("339900", "青岚市", "岚")
# code, name, level, abbreviation used in document numbers
COUNTIES = [
    ("339902", "青湖区", "district", "青湖"),
    ("339903", "岚城区", "district", "岚城"),
    ("339904", "临江区", "district", "临江"),
    ("339905", "望潮区", "district", "望潮"),
    ("339906", "新川区", "district", "新川"),
    ("339921", "云岭县", "county", "云岭"),
    ("339922", "白溪县", "county", "白溪"),
    ("339923", "松岙县", "county", "松岙"),
    ("339924", "石坞县", "county", "石坞"),
    ("339981", "清源市", "county", "清源"),
    ("339982", "丰溪市", "county", "丰溪"),
    ("339983", "枫川市", "county", "枫川"),
]
STAFF_COUNTY = "339902"
STAFF2_COUNTY = "339921"
DEMO_CODES = frozenset([CITY[0]] + [c[0] for c in COUNTIES])

# key: (full-name suffix, short name, document-number abbreviation)
DEPARTMENTS = {
    "fgw": ("发展和改革委员会", "发展改革委", "发改"),
    "zjj": ("住房和城乡建设局", "住建局", "建"),
    "zrzy": ("自然资源和规划局", "自然资源规划局", "资规"),
    "sthj": ("生态环境局", "生态环境局", "环"),
    "scjg": ("市场监督管理局", "市场监管局", "市监"),
    "cz": ("财政局", "财政局", "财"),
    "jt": ("交通运输局", "交通运输局", "交"),
    "sl": ("水利局", "水利局", "水"),
    "wjw": ("卫生健康委员会", "卫生健康委", "卫健"),
    "yj": ("应急管理局", "应急管理局", "应急"),
}
# The city has every department; these counties have a few each (30 in all).
COUNTY_DEPARTMENTS = {
    "339902": ["zjj", "zrzy", "scjg", "cz"],
    "339921": ["fgw", "zjj", "sl", "yj"],
    "339903": ["zjj", "sthj", "jt"],
    "339904": ["zrzy", "scjg", "wjw"],
    "339922": ["sl", "zrzy", "cz"],
    "339981": ["fgw", "zjj", "scjg"],
}
# Share of cases per jurisdiction code (the rest spread over the counties without departments).
JURISDICTION_WEIGHTS = {
    "339900": 34,
    "339902": 18,
    "339921": 15,
    "339903": 5,
    "339904": 5,
    "339922": 5,
    "339981": 5,
}
OTHER_COUNTY_WEIGHT = 2

DEMO_USERS = [
    # username, role, jurisdiction code, last name, first name
    ("admin", Role.ADMIN, CITY[0], "演示", "管理员"),
    ("staff", Role.STAFF, STAFF_COUNTY, "演示", "青湖区工作人员"),
    ("staff2", Role.STAFF, STAFF2_COUNTY, "演示", "云岭县工作人员"),
    ("inspector", Role.INSPECTOR, CITY[0], "演示", "纪检监察"),
    ("viewer", Role.VIEWER, CITY[0], "演示", "领导"),
]
DEMO_USERNAMES = [u[0] for u in DEMO_USERS]

# --- register catalogues -------------------------------------------------------------------

# name, department key, approval it sits in front of, legal basis, service time limit,
# fee name, fee standard, pricing, provider nature
ITEM_CATALOGUE = [
    ("建设项目环境影响报告书（表）编制", "sthj", "建设项目环境影响评价文件审批",
     "《中华人民共和国环境影响评价法》", "30个工作日", "环境影响评价服务费", "按合同约定",
     PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("排污许可申请技术报告编制", "sthj", "排污许可证核发", "《排污许可管理条例》",
     "15个工作日", "技术咨询费", "按合同约定", PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("生产建设项目水土保持方案编制", "sl", "生产建设项目水土保持方案审批",
     "《中华人民共和国水土保持法》", "20个工作日", "方案编制费", "按合同约定",
     PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("水资源论证报告书编制", "sl", "取水许可", "《取水许可和水资源费征收管理条例》",
     "30个工作日", "论证报告编制费", "按合同约定", PricingMethod.MARKET,
     ProviderNature.INSTITUTION),
    ("洪水影响评价报告编制", "sl", "洪水影响评价类审批", "《中华人民共和国防洪法》",
     "20个工作日", "", "", PricingMethod.MARKET, ProviderNature.INSTITUTION),
    ("固定资产投资项目节能评估报告编制", "fgw", "固定资产投资项目节能审查",
     "《固定资产投资项目节能审查办法》", "15个工作日", "", "", PricingMethod.MARKET,
     ProviderNature.ENTERPRISE),
    ("社会稳定风险评估报告编制", "fgw", "企业投资项目核准", "本市规范性文件",
     "20个工作日", "评估服务费", "按合同约定", PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("建设工程施工图设计文件审查", "zjj", "建筑工程施工许可证核发",
     "《建设工程质量管理条例》", "10个工作日", "施工图审查费", "按建筑面积计收",
     PricingMethod.GOVERNMENT, ProviderNature.ENTERPRISE),
    ("特殊建设工程消防设计技术审查", "zjj", "特殊建设工程消防设计审查",
     "《建设工程消防设计审查验收管理暂行规定》", "15个工作日", "", "",
     PricingMethod.FREE, ProviderNature.INSTITUTION),
    ("房屋建筑安全性鉴定", "zjj", "既有建筑改变使用功能审批", "本市房屋使用安全管理办法",
     "10个工作日", "房屋安全鉴定费", "按建筑面积计收", PricingMethod.GOVERNMENT,
     ProviderNature.INSTITUTION),
    ("建设工程规划条件核实测量", "zrzy", "建设工程规划核实",
     "《中华人民共和国城乡规划法》", "7个工作日", "测绘服务费", "按测绘面积计收",
     PricingMethod.MARKET, ProviderNature.INSTITUTION),
    ("地质灾害危险性评估", "zrzy", "建设项目用地预审与选址意见书核发", "《地质灾害防治条例》",
     "20个工作日", "评估费", "按合同约定", PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("建设项目使用林地可行性报告编制", "zrzy", "建设项目使用林地审核",
     "《中华人民共和国森林法实施条例》", "15个工作日", "", "", PricingMethod.MARKET,
     ProviderNature.ENTERPRISE),
    ("压覆重要矿产资源评估", "zrzy", "建设项目压覆重要矿产资源审批",
     "《中华人民共和国矿产资源法》", "20个工作日", "", "", PricingMethod.MARKET,
     ProviderNature.ENTERPRISE),
    ("食品生产许可现场核查技术服务", "scjg", "食品生产许可", "《食品生产许可管理办法》",
     "10个工作日", "", "", PricingMethod.FREE, ProviderNature.INSTITUTION),
    ("特种设备安装改造维修监督检验", "scjg", "特种设备使用登记",
     "《中华人民共和国特种设备安全法》", "10个工作日", "监督检验费", "按设备台数计收",
     PricingMethod.GOVERNMENT, ProviderNature.INSTITUTION),
    ("危险化学品建设项目安全评价", "yj", "危险化学品建设项目安全条件审查",
     "《危险化学品安全管理条例》", "30个工作日", "安全评价费", "按合同约定",
     PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("生产经营单位安全预评价报告编制", "yj", "金属冶炼建设项目安全设施设计审查",
     "《中华人民共和国安全生产法》", "20个工作日", "", "", PricingMethod.MARKET,
     ProviderNature.ENTERPRISE),
    ("放射诊疗建设项目职业病危害预评价", "wjw", "放射诊疗许可", "《中华人民共和国职业病防治法》",
     "20个工作日", "预评价服务费", "按合同约定", PricingMethod.MARKET,
     ProviderNature.ENTERPRISE),
    ("医疗机构设置可行性研究报告编制", "wjw", "医疗机构设置审批", "本市医疗机构设置规划",
     "15个工作日", "", "", PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("涉路工程安全技术评价", "jt", "涉路施工许可", "《公路安全保护条例》", "15个工作日",
     "技术评价费", "按合同约定", PricingMethod.MARKET, ProviderNature.ENTERPRISE),
    ("超限运输车辆通行路线技术评估", "jt", "公路超限运输许可", "《超限运输车辆行驶公路管理规定》",
     "5个工作日", "", "", PricingMethod.FREE, ProviderNature.INSTITUTION),
]  # fmt: skip

# name, jurisdiction code, legal form, agency key, affiliation, service categories,
# qualifications, credit grade, successor name (a restructured firm) or ""
FIRM_CATALOGUE = [
    ("青岚市建设工程质量安全检测中心", "339900", "institution", "zjj", "attached",
     "建设工程质量检测", "建设工程质量检测机构资质（综合类）", "A", "青岚建科检测有限公司"),
    ("青岚市规划设计研究院", "339900", "institution", "zrzy", "supervised",
     "城乡规划编制、测绘", "城乡规划编制单位甲级", "A", "青岚规划设计集团有限公司"),
    ("青岚市工程咨询中心", "339900", "institution", "fgw", "sponsored",
     "工程咨询、节能评估", "工程咨询单位乙级资信", "B", "青岚市工程咨询有限公司"),
    ("青岚市环境科学研究所", "339900", "institution", "sthj", "supervised",
     "环境影响评价、环境监测", "", "A", ""),
    ("青岚市水利水电勘测设计院", "339900", "institution", "sl", "attached",
     "水利工程勘测设计、水资源论证", "水利行业乙级设计资质", "B", ""),
    ("青岚市交通规划设计院有限公司", "339900", "enterprise", "jt", "funded",
     "交通规划、涉路工程评价", "公路行业乙级设计资质", "B", ""),
    ("青岚市特种设备检测研究院", "339900", "institution", "scjg", "supervised",
     "特种设备检验检测", "特种设备检验机构核准证", "A", ""),
    ("青岚市建筑业协会", "339900", "social_org", "zjj", "supervised",
     "行业培训、评比", "", "", ""),
    ("青湖区房屋安全鉴定站", "339902", "institution", "zjj", "attached",
     "房屋安全鉴定", "", "B", ""),
    ("青湖区测绘地理信息服务中心", "339902", "institution", "zrzy", "supervised",
     "不动产测绘、规划核实测量", "乙级测绘资质", "B", ""),
    ("云岭县水利工程咨询服务中心", "339921", "private_nonprofit", "sl", "attached",
     "水土保持方案、水资源论证", "", "C", ""),
    ("云岭县安全技术服务有限公司", "339921", "enterprise", "yj", "funded",
     "安全评价、安全培训", "安全评价机构资质", "B", ""),
]  # fmt: skip

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

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超霞平刚桂英华建国文斌波辉玲红云峰亮健宁燕萍鹏飞"

# post, rank band, person status
POST_PROFILES = [
    ("副局长", RankBand.COUNTY, PersonStatus.SERVING),
    ("局长", RankBand.COUNTY, PersonStatus.SERVING),
    ("科长", RankBand.SECTION, PersonStatus.SERVING),
    ("副科长", RankBand.SECTION, PersonStatus.SERVING),
    ("四级调研员", RankBand.COUNTY, PersonStatus.SERVING),
    ("一级主任科员", RankBand.SECTION, PersonStatus.SERVING),
    ("原副局长", RankBand.COUNTY, PersonStatus.RETIRED_UNDER_3),
    ("原局长", RankBand.COUNTY, PersonStatus.RETIRED_OVER_3),
    ("原总工程师", RankBand.COUNTY, PersonStatus.RETIRED_OVER_3),
    ("原科长", RankBand.SECTION, PersonStatus.RETIRED_UNDER_3),
    ("原党组成员", RankBand.COUNTY, PersonStatus.LEFT_POST),
    ("原二级调研员", RankBand.BUREAU, PersonStatus.RETIRED_OVER_3),
]
UNREGISTERED_FIRMS = [
    "青岚恒信工程咨询有限公司",
    "青岚市鼎诚造价咨询事务所有限公司",
    "青岚绿源环境技术有限公司",
    "青岚华测检测技术有限公司",
    "青岚安泰安全评价有限公司",
    "青岚宏远房地产评估有限公司",
    "青岚市正衡资产评估有限公司",
    "青岚云图测绘有限公司",
]

# Working notes, overdue explanations and withdrawal / reopening reasons (user-facing).
WORK_NOTES = [
    "已与责任部门电话沟通，补充材料预计下周报送。",
    "部门反馈设定依据为本级规范性文件，需进一步论证。",
    "已书面征求司法、市场监管部门意见。",
    "经对照上级清单，本项与上级保留事项名称不一致，已请部门说明。",
    "已现场核查，部门办事指南尚未同步修订。",
    "专题会议研究后同意按处理意见推进。",
    "已督促部门在政务服务网同步更新。",
    "部门提交的材料缺少设定依据原文，已退回补充。",
    "已抽查近三个月办件，未发现继续要求提供该材料的情况。",
]
OVERDUE_NOTES = [
    "需等待上级部门统一部署后调整，未能按期完成；已制定整改计划。",
    "企业变更登记需股东会决议，流程较长，正在督促办理。",
    "涉及人员安置，方案需经职工代表大会审议，进度滞后。",
    "部门机构调整，承办人员变动，导致材料报送延迟。",
    "收费目录调整需省级部门审核，尚未收到批复。",
    "审计评估报告尚在复核，预计近期出具。",
]
WITHDRAW_REASONS = [
    "重复登记，已并入同一事项的另一条记录。",
    "经核实不属于本轮清理范围。",
    "对应审批事项已由上级部门取消，本级无需另行处理。",
    "登记信息有误，已按正确信息重新登记。",
]
REOPEN_REASONS = [
    "回头看发现部门办事指南仍要求提供该材料，重新整改。",
    "回头看抽查发现仍有收费行为，重新整改。",
    "回头看发现与原挂靠机关仍存在资金往来，重新整改。",
    "回头看发现任职企业尚未完成变更登记，重新整改。",
]

# How many milestones (in order) a case has done when it is decided, per kind.
DONE_AT_DECISION = {"item": 4, "firm": 2, "post": 3, "fee": 5}
# Minimum age in days of a case in each final status (room for its history).
MIN_AGE = {
    Status.REGISTERED: 3,
    Status.UNDER_REVIEW: 15,
    Status.DECIDED: 30,
    Status.IN_PROGRESS: 45,
    Status.COMPLETED: 60,
    Status.CLOSED: 80,
    Status.WITHDRAWN: 20,
}
STATUS_SHARES = [
    (Status.REGISTERED, 10),
    (Status.UNDER_REVIEW, 14),
    (Status.DECIDED, 10),
    (Status.IN_PROGRESS, 24),
    (Status.COMPLETED, 12),
    (Status.CLOSED, 22),
    (Status.WITHDRAWN, 8),
]


def credit_check_char(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def org_code(rng: random.Random) -> str:
    """A GB 11714-shaped organisation code (8 digits + check) for the demo firms."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return body + ("X" if c9 == 10 else "0" if c9 == 11 else str(c9))


def credit_code(legal_form: str, division: str, org: str) -> str:
    """A valid unified social credit code built from the registering authority and org code."""
    prefix = {
        "institution": "12",
        "social_org": "51",
        "private_nonprofit": "52",
        "enterprise": "91",
    }[legal_form]
    body = prefix + division + org
    return body + credit_check_char(body)


@dataclass
class Plan:
    """One case to build: what it is, where, and the timed steps that make its history."""

    index: int
    kind: str
    jurisdiction: Jurisdiction
    department: Department | None
    actor: User
    final: str
    registered_on: datetime.date
    deadline: datetime.date
    overdue: bool
    subject: dict[str, Any]
    m2m: dict[str, Any]
    disposition: str
    steps: list[tuple[datetime.date, Callable[[Plan, datetime.date], None]]] = field(
        default_factory=list
    )
    case: Case | None = None


class Command(BaseCommand):
    help = "生成演示数据（虚构的青岚市及其区县、部门、中介机构和约300件台账事项）。Seed demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--cases", type=int, default=300, help="生成的台账事项数量（默认 300）。"
        )

    def handle(self, *args, **options) -> None:
        n_cases = options["cases"]
        if not 10 <= n_cases <= 5000:
            raise CommandError("--cases 须在 10 到 5000 之间。--cases must be between 10 and 5000.")
        if self._demo_present():
            self.stdout.write("演示数据已存在，未做任何修改。demo data already present.")
            self._print_logins()
            return
        self._refuse_non_demo_data()

        started = time.perf_counter()
        self.rng = random.Random(2026)
        self.today = timezone.localdate()
        start = datetime.date(self.today.year, 1, 6)
        if (self.today - start).days < 120:
            start = self.today - datetime.timedelta(days=300)
        self.window_start = start
        self.max_bytes = settings.EVIDENCE_MAX_BYTES
        self.doc_counters: dict[str, int] = {}

        with transaction.atomic(), time_machine.travel(self._at(start, 8, 30), tick=False) as tm:
            self.tm = tm
            self._seed_setup()
            plans = [self._plan_case(i, kind) for i, kind in enumerate(self._kind_list(n_cases))]
            self._run(plans)

        self._report(plans, time.perf_counter() - started)

    # --- guards ------------------------------------------------------------------------

    def _demo_present(self) -> bool:
        city = Jurisdiction.objects.filter(code=CITY[0], name=CITY[1]).exists()
        users = User.objects.filter(username__in=DEMO_USERNAMES).count()
        return city and users == len(DEMO_USERNAMES)

    def _refuse_non_demo_data(self) -> None:
        reasons = []
        if Jurisdiction.objects.exists():
            reasons.append(f"行政区划 {Jurisdiction.objects.count()} 条")
        if Case.objects.exists():
            reasons.append(f"台账事项 {Case.objects.count()} 件")
        taken = list(
            User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True)
        )
        if taken:
            reasons.append("已有用户 " + "、".join(sorted(taken)))
        if reasons:
            raise CommandError(
                "数据库中已有非演示数据（"
                + "；".join(reasons)
                + "），拒绝生成演示数据。请在空数据库上运行。"
                " Refusing to seed: the database already holds non-demo data; "
                "run seed_demo on an empty database."
            )

    # --- helpers -----------------------------------------------------------------------

    def _at(self, day: datetime.date, hour: int, minute: int) -> datetime.datetime:
        naive = datetime.datetime.combine(day, datetime.time(hour, minute))
        return timezone.make_aware(naive, timezone.get_default_timezone())

    def _doc(self, prefix: str, day: datetime.date) -> str:
        """The next made-up document number for an issuer, e.g. 岚发改〔2026〕12号."""
        key = f"{prefix}{day.year}"
        last = self.doc_counters.get(key) or self.rng.randint(1, 20)
        last += self.rng.randint(1, 3)
        self.doc_counters[key] = last
        return f"{prefix}〔{day.year}〕{last}号"

    def _save(self, obj: Any, reason: str = SETUP_REASON) -> Any:
        services.tracked_save(obj, by=self.admin, reason=reason)
        return obj

    # --- reference data ----------------------------------------------------------------

    def _seed_setup(self) -> None:
        rng = self.rng
        self.users: dict[str, User] = {}
        # One slow PBKDF2 hash shared by the five demo logins (the password is public anyway).
        self.password_hash = make_password(DEMO_PASSWORD)
        for username, role, _code, last, first in DEMO_USERS:
            user = User.objects.create_user(
                username=username,
                password=None,
                role=role,
                last_name=last,
                first_name=first,
                email=f"{username}@demo.invalid",
                is_staff=username == "admin",
            )
            self.users[username] = user
        self.admin = self.users["admin"]

        city = Jurisdiction(code=CITY[0], name=CITY[1], level=Jurisdiction.Level.CITY)
        city.full_clean(exclude=["path"])
        self._save(city)
        self.city = city
        self.jurisdictions: dict[str, Jurisdiction] = {city.code: city}
        self.abbr = {city.code: CITY[2]}
        for code, name, level, abbr in COUNTIES:
            j = Jurisdiction(code=code, name=name, level=level, parent=city)
            j.full_clean(exclude=["path"])
            self._save(j)
            self.jurisdictions[code] = j
            self.abbr[code] = abbr

        for username, _role, code, _last, _first in DEMO_USERS:
            user = self.users[username]
            user.jurisdiction = self.jurisdictions[code]
            user.password = self.password_hash
            services.tracked_save(user, by=self.admin, reason=SETUP_REASON, clean=False)

        # Departments: key -> jurisdiction code -> Department
        self.departments: dict[str, dict[str, Department]] = {}
        self.dept_key: dict[int, str] = {}
        layout = {city.code: list(DEPARTMENTS)} | COUNTY_DEPARTMENTS
        for code, keys in layout.items():
            j = self.jurisdictions[code]
            short_prefix = {"city": "市", "district": "区", "county": "县"}[j.level]
            if j.name.endswith("市"):
                short_prefix = "市"
            for n, key in enumerate(keys, start=1):
                suffix, short, _doc_abbr = DEPARTMENTS[key]
                if j.level != "city" and key in ("fgw", "wjw"):
                    suffix = {"fgw": "发展和改革局", "wjw": "卫生健康局"}[key]
                    short = {"fgw": "发展改革局", "wjw": "卫生健康局"}[key]
                dept = self._save(
                    Department(
                        jurisdiction=j,
                        name=f"{j.name}{suffix}",
                        short_name=f"{short_prefix}{short}",
                        code=f"{code}{n:02d}",
                    )
                )
                self.departments.setdefault(key, {})[code] = dept
                self.dept_key[dept.pk] = key

        # Approval items: every catalogue entry whose department exists in a jurisdiction.
        self.approvals: dict[tuple[str, str], ApprovalItem] = {}
        for code, keys in layout.items():
            seq = 0
            for entry in ITEM_CATALOGUE:
                approval, key = entry[2], entry[1]
                if key not in keys or (code, approval) in self.approvals:
                    continue
                seq += 1
                self.approvals[(code, approval)] = self._save(
                    ApprovalItem(
                        jurisdiction=self.jurisdictions[code],
                        department=self.departments[key][code],
                        name=approval,
                        code=f"{code}-SP-{seq:03d}",
                    )
                )

        # Intermediary firms, with successors for the ones restructured into companies.
        self.firms: list[IntermediaryFirm] = []
        self.successors: dict[int, IntermediaryFirm] = {}
        for name, code, form, key, affiliation, services_, quals, grade, succ in FIRM_CATALOGUE:
            j = self.jurisdictions[code]
            org = org_code(rng)
            firm = IntermediaryFirm(
                jurisdiction=j,
                name=name,
                credit_code=credit_code(form, code, org),
                legacy_org_code=org,
                legal_form=form,
                supervising_agency=self.departments[key][code],
                affiliation_type=affiliation,
                service_categories=services_,
                qualifications=quals,
                credit_grade=grade,
                shares_staff_with_agency=rng.random() < 0.4,
                shares_premises_with_agency=rng.random() < 0.3,
            )
            self._save(firm)
            self.firms.append(firm)
            if succ:
                new = IntermediaryFirm(
                    jurisdiction=j,
                    name=succ,
                    former_names=name,
                    credit_code=credit_code("enterprise", code, org_code(rng)),
                    legal_form="enterprise",
                    service_categories=services_,
                    qualifications=quals,
                    credit_grade="B",
                )
                self._save(new)
                self.successors[firm.pk] = new

    # --- planning ----------------------------------------------------------------------

    def _kind_list(self, n: int) -> list[str]:
        n_firm = min(len(self.firms), max(1, round(n * 0.05)))
        rest = n - n_firm
        n_item = round(rest * 0.45)
        n_post = round(rest * 0.23)
        n_fee = rest - n_item - n_post
        kinds = ["item"] * n_item + ["firm"] * n_firm + ["post"] * n_post + ["fee"] * n_fee
        self.rng.shuffle(kinds)
        self.firm_queue = list(self.firms)
        self.rng.shuffle(self.firm_queue)
        self.statuses = self._status_list(n)
        self.overdue_seeded = False
        return kinds

    def _status_list(self, n: int) -> list[str]:
        total = sum(w for _s, w in STATUS_SHARES)
        counts = {s: max(1, n * w // total) for s, w in STATUS_SHARES}
        while sum(counts.values()) < n:
            counts[Status.IN_PROGRESS] += 1
        while sum(counts.values()) > n:
            biggest = max(counts, key=counts.get)
            counts[biggest] -= 1
        statuses = [s for s, c in counts.items() for _ in range(c)]
        self.rng.shuffle(statuses)
        return statuses

    def _pick_jurisdiction(self, kind: str) -> Jurisdiction:
        codes, weights = [], []
        for code in self.jurisdictions:
            has_depts = code == CITY[0] or code in COUNTY_DEPARTMENTS
            if kind == "item" and not has_depts:
                continue
            codes.append(code)
            weights.append(JURISDICTION_WEIGHTS.get(code, OTHER_COUNTY_WEIGHT))
        return self.jurisdictions[self.rng.choices(codes, weights)[0]]

    def _actor(self, jurisdiction: Jurisdiction) -> User:
        if jurisdiction.code == STAFF_COUNTY:
            return self.users["staff"]
        if jurisdiction.code == STAFF2_COUNTY:
            return self.users["staff2"]
        return self.admin

    def _departments_in(self, code: str) -> list[Department]:
        return [d for by_code in self.departments.values() for c, d in by_code.items() if c == code]

    def _plan_case(self, index: int, kind: str) -> Plan:
        rng = self.rng
        final = self.statuses[index]
        subject: dict[str, Any] = {}
        m2m: dict[str, Any] = {}
        department = None
        if kind == "firm":
            firm = self.firm_queue.pop()
            department = firm.supervising_agency
            jurisdiction = department.jurisdiction
            disposition = self._firm_disposition(firm)
            subject = {
                "firm": firm,
                "agency": department,
                "affiliation_type": firm.affiliation_type,
            }
            if disposition == DecouplingDisposition.TRANSITION:
                subject["transition_until"] = datetime.date(self.today.year + 1, 6, 30)
        else:
            jurisdiction = self._pick_jurisdiction(kind)
            depts = self._departments_in(jurisdiction.code)
            if kind == "item":
                subject, m2m, department, disposition = self._item_subject(jurisdiction, depts)
            elif kind == "post":
                department = rng.choice(depts) if depts and rng.random() < 0.8 else None
                subject, disposition = self._post_subject(jurisdiction, department, index)
            else:
                subject, department, disposition = self._fee_subject(jurisdiction, depts)

        # Dates: registration early enough for the final status; some open cases overdue.
        latest = self.today - datetime.timedelta(days=MIN_AGE[final])
        latest = max(latest, self.window_start)
        deadline = datetime.date(self.today.year, 12, 31)
        # At least the first open case is overdue, so every run has some.
        overdue = final in OPEN_STATUSES and (rng.random() < 0.3 or not self.overdue_seeded)
        self.overdue_seeded = self.overdue_seeded or overdue
        if overdue:
            rounds = [
                datetime.date(self.today.year, m, d)
                for m, d in ((6, 30), (8, 31), (9, 30), (10, 31), (11, 20))
            ]
            rounds = [
                d
                for d in rounds
                if self.window_start + datetime.timedelta(days=40) <= d < self.today
            ]
            deadline = rng.choice(rounds) if rounds else self.today - datetime.timedelta(days=10)
            latest = min(latest, deadline - datetime.timedelta(days=30))
            latest = max(latest, self.window_start)
        # Most cases are registered early in the year (the 摸底 wave), a tail later on.
        span = max((latest - self.window_start).days, 0)
        offset = round(rng.triangular(0, span, span * 0.15)) if span else 0
        registered_on = self.window_start + datetime.timedelta(days=offset)
        deadline = max(deadline, registered_on)

        plan = Plan(
            index=index,
            kind=kind,
            jurisdiction=jurisdiction,
            department=department,
            actor=self._actor(jurisdiction),
            final=final,
            registered_on=registered_on,
            deadline=deadline,
            overdue=overdue and deadline < self.today,
            subject=subject,
            m2m=m2m,
            disposition=disposition,
        )
        self._plan_steps(plan)
        return plan

    def _firm_disposition(self, firm: IntermediaryFirm) -> str:
        if firm.pk in self.successors:
            return self.rng.choice(
                [DecouplingDisposition.TO_ENTERPRISE, DecouplingDisposition.STAFF_NEW_COMPANY]
            )
        options = {
            "institution": [
                DecouplingDisposition.TO_ENTERPRISE,
                DecouplingDisposition.TRANSFERRED,
                DecouplingDisposition.DISSOLVED,
            ],
            "social_org": [DecouplingDisposition.WITHDRAW_ALL, DecouplingDisposition.TRANSITION],
            "private_nonprofit": [
                DecouplingDisposition.EXIT_MARKET,
                DecouplingDisposition.WITHDRAW_ALL,
            ],
            "enterprise": [DecouplingDisposition.WITHDRAW_ALL, DecouplingDisposition.TRANSFERRED],
        }[firm.legal_form]
        return self.rng.choice(options)

    def _item_subject(self, jurisdiction: Jurisdiction, depts: list[Department]):
        rng = self.rng
        keys = {self.dept_key[d.pk] for d in depts}
        entries = [e for e in ITEM_CATALOGUE if e[1] in keys]
        name, key, approval, basis, limit, fee_name, fee_std, pricing, nature = rng.choice(entries)
        department = self.departments[key][jurisdiction.code]
        firms = [
            f
            for f in self.firms
            if f.jurisdiction_id == jurisdiction.pk
            and self.dept_key.get(f.supervising_agency_id) == key
        ]
        provider_firm = firms[0] if firms and rng.random() < 0.7 else None
        subject = {
            "name": name,
            "legal_basis": basis if rng.random() < 0.85 else "",
            "provider": provider_firm.name if provider_firm else "具备相应能力的技术服务机构",
            "provider_firm": provider_firm,
            "provider_nature": nature,
            "time_limit": limit,
            "fee_name": fee_name,
            "fee_standard": fee_std,
            "fee_basis": "本市价格主管部门文件" if pricing == PricingMethod.GOVERNMENT else "",
            "pricing": pricing,
        }
        m2m = {"approval_items": [self.approvals[(jurisdiction.code, approval)]]}
        if not subject["legal_basis"]:
            weights = [(ItemDisposition.CANCEL, 5), (ItemDisposition.NOT_INTERMEDIARY, 2)]
        else:
            weights = [
                (ItemDisposition.RETAIN, 30),
                (ItemDisposition.CANCEL, 15),
                (ItemDisposition.COMMISSION, 15),
                (ItemDisposition.APPLICANT_CHOICE, 12),
                (ItemDisposition.CANCEL_WITH_APPROVAL, 6),
                (ItemDisposition.MERGE, 7),
                (ItemDisposition.NOT_INTERMEDIARY, 8),
            ]
        disposition = rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]
        return subject, m2m, department, disposition

    def _post_subject(self, jurisdiction: Jurisdiction, department: Department | None, index: int):
        rng = self.rng
        post, rank, status = rng.choice(POST_PROFILES)
        if department is not None:
            unit = department.name
        else:
            unit = f"{jurisdiction.name}{rng.choice(['人民政府办公室', '农业农村局', '商务局'])}"
        if rng.random() < 0.45:
            firm = rng.choice(self.firms + list(self.successors.values()))
            firm_name = firm.name
        else:
            firm, firm_name = None, rng.choice(UNREGISTERED_FIRMS)
        post_type = rng.choices(
            list(PostType), [10, 12, 8, 4, 10, 14, 6] if status != PersonStatus.SERVING else None
        )[0]
        paid = rng.random() < 0.5
        shares = rng.random() < 0.2
        name = rng.choice(SURNAMES) + "某" + rng.choice(GIVEN + "某")
        start_year = self.today.year - rng.randint(1, 8)
        subject = {
            "person_ref": f"P-{self.today.year}-{index + 1:04d}",
            "person_name": name,
            "employing_unit": unit,
            "post": post,
            "rank_band": rank,
            "person_status": status,
            "firm": firm,
            "firm_name": firm_name,
            "post_type": post_type,
            "paid": paid,
            "pay_amount": Decimal(rng.randrange(6000, 120000, 500)) if paid else None,
            "shareholding": shares,
            "former_area": status != PersonStatus.SERVING and rng.random() < 0.5,
            "held_from": datetime.date(start_year, rng.randint(1, 12), rng.randint(1, 28)),
        }
        if status == PersonStatus.RETIRED_OVER_3 and not subject["former_area"]:
            options = [PostDisposition.KEEP_APPROVED, PostDisposition.RESIGN_FIRM]
            if paid:
                options.append(PostDisposition.RETURN_PAY)
        elif status == PersonStatus.SERVING:
            options = [PostDisposition.RESIGN_FIRM] * 4 + [PostDisposition.RESIGN_OFFICE]
            if paid:
                options += [PostDisposition.RETURN_PAY, PostDisposition.REFER]
            if shares:
                options.append(PostDisposition.DIVEST)
            if rank == RankBand.SECTION:
                options.append(PostDisposition.REMOVED)
        else:
            options = [PostDisposition.RESIGN_FIRM] * 3
            if shares:
                options.append(PostDisposition.DIVEST)
            if paid:
                options.append(PostDisposition.RETURN_PAY)
        disposition = rng.choice(options)
        if disposition == PostDisposition.KEEP_APPROVED:
            subject["paid"] = False
            subject["pay_amount"] = None
            subject["shareholding"] = False
        return subject, disposition

    def _fee_subject(self, jurisdiction: Jurisdiction, depts: list[Department]):
        rng = self.rng
        keys = {self.dept_key[d.pk] for d in depts}
        entries = [e for e in FEE_CATALOGUE if e[3] in keys] or FEE_CATALOGUE
        name, fee_kind, level, key, revenue, basis, standard, amount, payers, affects = rng.choice(
            entries
        )
        department = self.departments.get(key, {}).get(jurisdiction.code)
        if department is not None:
            unit = department.name
        else:
            unit = f"{jurisdiction.name}{DEPARTMENTS[key][0]}"
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
        return subject, department, disposition

    # --- steps -------------------------------------------------------------------------

    def _plan_steps(self, plan: Plan) -> None:
        """The ordered actions that take a case to its final status, each with a date."""
        rng = self.rng
        kind = get_kind(plan.kind)
        specs = kind.milestones
        n = len(specs)
        at_decision = DONE_AT_DECISION[plan.kind]
        last_required = max(i for i, s in enumerate(specs) if s.required)
        final = plan.final
        actions: list[Callable[[Plan, datetime.date], None]] = []

        def milestones(upto: int) -> None:
            actions.extend(self._milestone_step(i) for i in range(upto))

        def maybe_note() -> None:
            if rng.random() < 0.35:
                actions.append(self._note_step(rng.choice(WORK_NOTES)))

        if final == Status.WITHDRAWN:
            stage = rng.choice(
                [Status.REGISTERED, Status.UNDER_REVIEW, Status.DECIDED, Status.IN_PROGRESS]
            )
        else:
            stage = final
        reopened = final == Status.IN_PROGRESS and rng.random() < 0.12
        order = list(Status)
        reached = order.index(Status.CLOSED if reopened else stage)

        if reached == 0:
            milestones(rng.choice([0, 1]))
            maybe_note()
        if reached >= 1:
            done = rng.randint(1, at_decision - 1) if reached == 1 else at_decision
            milestones(1)
            actions.append(
                self._transition_step(Status.UNDER_REVIEW, "开始核查：已收到部门摸底材料。")
            )
            for i in range(1, done):
                actions.append(self._milestone_step(i))
            maybe_note()
        if reached >= 2:
            actions.append(self._decide_step())
        if reached >= 3:
            actions.append(self._transition_step(Status.IN_PROGRESS, "按处理决定开始整改。"))
            if reached == 3:
                upto = rng.randint(at_decision, last_required)
            else:
                upto = n
            for i in range(at_decision, upto):
                if not specs[i].required and rng.random() < 0.5:
                    continue
                actions.append(self._milestone_step(i))
            maybe_note()
        if reached >= 4:
            actions.append(self._transition_step(Status.COMPLETED, "必需节点已全部完成。"))
        if reached >= 5:
            actions.append(
                self._transition_step(Status.CLOSED, "经核查验收，同意销号。", admin=True)
            )
        if reopened:
            actions.append(
                self._transition_step(Status.IN_PROGRESS, rng.choice(REOPEN_REASONS), admin=True)
            )
            actions.append(self._note_step("已重新部署整改，责任部门限期报送整改情况。"))
        if final == Status.WITHDRAWN:
            actions.append(self._transition_step(Status.WITHDRAWN, rng.choice(WITHDRAW_REASONS)))

        # Dates: registration first, the rest spread (sorted) over part of the time left.
        first = plan.registered_on
        yesterday = self.today - datetime.timedelta(days=1)
        available = max((yesterday - first).days, 0)
        share = rng.uniform(0.75, 1.0) if final in OPEN_STATUSES else rng.uniform(0.4, 1.0)
        span = round(available * share)
        days = sorted(rng.randint(1, span) if span else 0 for _ in actions)
        plan.steps = [(first, self._create_step)]
        plan.steps += [
            (first + datetime.timedelta(days=d), a) for d, a in zip(days, actions, strict=True)
        ]
        if plan.overdue:
            after = max(plan.deadline + datetime.timedelta(days=1), plan.steps[-1][0])
            if after <= yesterday:
                when = after + datetime.timedelta(days=rng.randint(0, (yesterday - after).days))
                plan.steps.append((when, self._overdue_note_step()))

    # Each *_step returns a callable run on its day with the clock moved there.

    def _create_step(self, plan: Plan, day: datetime.date) -> None:
        plan.case = services.case_create(
            kind=get_kind(plan.kind),
            jurisdiction=plan.jurisdiction,
            by=plan.actor,
            case_fields={
                "department": plan.department,
                "owner": plan.actor,
                "registered_on": plan.registered_on,
                "deadline": plan.deadline,
            },
            subject_fields=plan.subject,
            m2m=plan.m2m,
            reason="按本轮清理工作通知登记。",
        )

    def _transition_step(self, to: str, reason: str, admin: bool = False) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            by = self.admin if admin else plan.actor
            plan.case = services.case_transition(case=plan.case, to=to, by=by, reason=reason)

        return step

    def _decide_step(self) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            j = plan.jurisdiction
            abbr = self.abbr[j.code]
            prefix = {
                "item": f"{abbr}政办发",
                "firm": f"{abbr}编办",
                "post": f"{abbr}组干",
                "fee": f"{abbr}政办发",
            }[plan.kind]
            decided = max(plan.registered_on, day - datetime.timedelta(days=self.rng.randint(0, 3)))
            doc_no = self._doc(prefix, decided)
            issuer = {
                "item": f"{j.name}人民政府办公室",
                "firm": f"{j.name}机构编制委员会办公室",
                "post": f"中共{j.name}委组织部",
                "fee": f"{j.name}人民政府办公室",
            }[plan.kind]
            services.evidence_add(
                case=plan.case,
                by=plan.actor,
                title="处理决定文件",
                upload=None,
                doc_no=doc_no,
                issuing_body=issuer,
                effective_date=decided,
                max_bytes=self.max_bytes,
            )
            plan.case = services.case_transition(
                case=plan.case,
                to=Status.DECIDED,
                by=plan.actor,
                reason="按审定意见作出处理决定。",
                decision=services.Decision(
                    disposition=plan.disposition, doc_no=doc_no, date=decided
                ),
            )

        return step

    def _milestone_step(self, position: int) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            milestone = Milestone.objects.select_related("case__jurisdiction").get(
                case=plan.case, order=position + 1
            )
            prefix, issuer = self._issuer(plan, milestone.code)
            effective = max(
                plan.registered_on, day - datetime.timedelta(days=self.rng.randint(0, 2))
            )
            doc_no = self._doc(prefix, effective)
            evidence = None
            if self.rng.random() < 0.25:
                evidence = services.evidence_add(
                    case=plan.case,
                    by=plan.actor,
                    title=f"{milestone.name}材料",
                    upload=None,
                    doc_no=doc_no,
                    issuing_body=issuer,
                    effective_date=effective,
                    milestone=milestone,
                    max_bytes=self.max_bytes,
                )
            services.milestone_complete(
                milestone=milestone,
                by=plan.actor,
                effective_date=effective,
                doc_no=doc_no,
                evidence=evidence,
            )
            self._subject_follow_up(plan, milestone.code, effective)

        return step

    def _subject_follow_up(self, plan: Plan, code: str, day: datetime.date) -> None:
        """Register facts that a milestone establishes (via case_update, with a reason)."""
        subject_fields: dict[str, Any] = {}
        reason = ""
        if plan.kind == "firm" and code == "registration":
            new_firm = self.successors.get(plan.subject["firm"].pk)
            if new_firm is not None:
                subject_fields = {"new_firm": new_firm}
                reason = "登记变更完成，关联改制后机构。"
                old_firm = IntermediaryFirm.objects.get(pk=plan.subject["firm"].pk)
                old_firm.successor = new_firm
                services.tracked_save(old_firm, by=plan.actor, reason=reason)
        elif plan.kind == "post" and code == "firm_change":
            if plan.disposition != PostDisposition.KEEP_APPROVED:
                subject_fields = {"firm_change_done": True, "held_to": day}
                reason = "企业已完成变更登记。"
        elif plan.kind == "post" and code == "pay_shares" and plan.subject.get("pay_amount"):
            subject_fields = {"pay_returned": plan.subject["pay_amount"]}
            reason = "报酬已全额退还。"
        if not subject_fields:
            return
        current = Case.objects.only("version").get(pk=plan.case.pk)
        plan.case = services.case_update(
            case=plan.case,
            by=plan.actor,
            expected_version=current.version,
            case_fields={},
            subject_fields=subject_fields,
            reason=reason,
        )

    def _issuer(self, plan: Plan, code: str) -> tuple[str, str]:
        """Document-number prefix and issuing body for a milestone's document."""
        j = plan.jurisdiction
        abbr = self.abbr[j.code]
        if plan.department is not None:
            key = self.dept_key[plan.department.pk]
            dept = (f"{abbr}{DEPARTMENTS[key][2]}", plan.department.name)
        else:
            dept = (f"{abbr}政办", f"{j.name}人民政府办公室")
        reform = (f"{abbr}审改办", f"{j.name}审批制度改革办公室")
        government = (f"{abbr}政办发", f"{j.name}人民政府办公室")
        organisation = (f"{abbr}组干", f"中共{j.name}委组织部")
        finance = (f"{abbr}财综", f"{j.name}财政局")
        price = (f"{abbr}发改价格", f"{j.name}发展改革部门")
        registration = (f"{abbr}市监登", f"{j.name}市场监督管理部门")
        table = {
            "item": {
                "review": reform,
                "consultation": reform,
                "meeting": (f"{abbr}政纪", f"{j.name}人民政府"),
                "publish": government,
                "follow_up": reform,
            },
            "firm": {
                "listed": reform,
                "plan": (f"{abbr}编办", f"{j.name}机构编制委员会办公室"),
                "audit": finance,
                "staff": (f"{abbr}人社", f"{j.name}人力资源和社会保障局"),
                "registration": registration,
                "acceptance": reform,
                "follow_up": reform,
            },
            "post": {
                "finding": organisation,
                "firm_change": registration,
                "filed": organisation,
            },
            "fee": {
                "legality": (f"{abbr}司法审", f"{j.name}司法局"),
                "proposal": finance,
                "finance_review": price,
                "approval": government,
                "catalogue": finance,
                "notice": price,
            },
        }[plan.kind]
        return table.get(code, dept)

    def _note_step(self, text: str) -> Callable:
        def step(plan: Plan, day: datetime.date) -> None:
            services.note_add(case=plan.case, by=plan.actor, text=text)

        return step

    def _overdue_note_step(self) -> Callable:
        text = self.rng.choice(OVERDUE_NOTES)
        extra = self.rng.randint(15, 45)

        def step(plan: Plan, day: datetime.date) -> None:
            services.note_add(
                case=plan.case,
                by=plan.actor,
                text=text,
                kind=Note.Kind.OVERDUE,
                expected_date=self.today + datetime.timedelta(days=extra),
            )

        return step

    # --- running -----------------------------------------------------------------------

    def _run(self, plans: list[Plan]) -> None:
        """Run every step of every case in date order, with the clock at that moment."""
        events = []
        for plan in plans:
            previous = None
            for seq, (day, action) in enumerate(plan.steps):
                moment = self._at(day, 9, 0) + datetime.timedelta(minutes=self.rng.randint(0, 510))
                if previous is not None and moment <= previous:
                    moment = previous + datetime.timedelta(minutes=3)
                previous = moment
                events.append((moment, plan.index, seq, action, day))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        by_index = {p.index: p for p in plans}
        for moment, index, _seq, action, _day in events:
            self.tm.move_to(moment)
            action(by_index[index], timezone.localdate())

    def _report(self, plans: list[Plan], seconds: float) -> None:
        statuses = Counter(Case.objects.values_list("status", flat=True))
        kinds = Counter(Case.objects.values_list("kind", flat=True))
        overdue = Case.objects.overdue().count()
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成演示数据：行政区划 {Jurisdiction.objects.count()} 个，"
                f"部门 {Department.objects.count()} 个，中介机构 {IntermediaryFirm.objects.count()} 家，"
                f"台账事项 {len(plans)} 件（逾期 {overdue} 件），用时 {seconds:.1f} 秒。"
            )
        )
        self.stdout.write(
            "类别：" + "，".join(f"{str(get_kind(k).label)} {c}" for k, c in sorted(kinds.items()))
        )
        self.stdout.write(
            "状态：" + "，".join(f"{Status(s).label} {statuses.get(s, 0)}" for s in Status)
        )
        self._print_logins()

    def _print_logins(self) -> None:
        """The demo login table, printed on every run (fresh seed or demo data already there)."""
        names = dict(Jurisdiction.objects.values_list("code", "name"))
        self.stdout.write("")
        self.stdout.write("演示账号 / demo logins:")
        rows = [("用户名 username", "角色 role", "所属行政区划 jurisdiction", "密码 password")]
        for username, role, code, _last, _first in DEMO_USERS:
            rows.append((username, f"{Role(role).label}（{role}）", names[code], DEMO_PASSWORD))
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)))
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in str(text))


def _pad(text: str, width: int) -> str:
    return str(text) + " " * (width - _width(text))
