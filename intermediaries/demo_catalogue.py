"""The made-up registers behind the intermediary kinds' demo data (``intermediaries.demo``).

Everything is fictional: the approval items, firms, people and firms' names of 青岚市. The
credit-code helpers make valid-looking GB 32100 codes from GB 11714-shaped organisation codes.
"""

from __future__ import annotations

import random

from intermediaries.models import PersonStatus, PricingMethod, ProviderNature, RankBand
from tracker.cases.validators import CREDIT_ALPHABET, CREDIT_WEIGHTS, ORG_WEIGHTS

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
