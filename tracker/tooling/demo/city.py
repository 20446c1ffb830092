"""The made-up city of ``manage.py seed_demo``: its places, departments, logins and texts.

Everything is fictional: the city 青岚市 (code 339900, not a real GB/T 2260 division), its
districts and counties, departments and people, and the notes and reasons the demo history
uses. Pure data: the seeder (tracker.tooling.demo.seeder) reads it.
"""

from __future__ import annotations

from tracker.cases.workflow import Role, Status

DEMO_PASSWORD = "tracker-demo"
SETUP_REASON = "演示数据初始化"

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
    # A second admin: a withdrawal is approved by an admin other than the one who asked.
    ("admin2", Role.ADMIN, CITY[0], "演示", "审批管理员"),
]
DEMO_USERNAMES = [u[0] for u in DEMO_USERS]

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
# Each withdrawal reason's category and, for "out of scope", its basis (the demo's requests).
WITHDRAW_CATEGORIES = {
    "重复登记，已并入同一事项的另一条记录。": ("duplicate", ""),
    "经核实不属于本轮清理范围。": ("out_of_scope", "《青岚市中介服务和收费清理工作方案》第二条"),
    "对应审批事项已由上级部门取消，本级无需另行处理。": (
        "out_of_scope",
        "上级部门取消该审批事项的文件",
    ),
    "登记信息有误，已按正确信息重新登记。": ("error", ""),
}
REOPEN_REASONS = [
    "回头看发现部门办事指南仍要求提供该材料，重新整改。",
    "回头看抽查发现仍有收费行为，重新整改。",
    "回头看发现与原挂靠机关仍存在资金往来，重新整改。",
    "回头看发现任职企业尚未完成变更登记，重新整改。",
]

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
