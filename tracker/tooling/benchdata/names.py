"""The benchmark province's sizes, status mix and name pools (pure data).

The kinds' bench hooks (``intermediaries.benchdata``) draw names from ``DEPT_NAMES``,
``SURNAMES`` and ``GIVEN``, re-exported by ``tracker.tooling.benchdata``.
"""

from __future__ import annotations

from tracker.cases.workflow import Status

REASON = "性能基准：合成数据"
PROVINCE = ("990000", "基准省")
N_CITIES = 10
COUNTIES_PER_CITY = 10
N_DEPARTMENTS = 2000
CHUNK = 2000  # cases written per transaction

STATUS_WEIGHTS = {
    Status.REGISTERED: 10,
    Status.UNDER_REVIEW: 15,
    Status.DECIDED: 10,
    Status.IN_PROGRESS: 25,
    Status.COMPLETED: 15,
    Status.CLOSED: 20,
    Status.WITHDRAWN: 5,
}
FORWARD = [
    Status.UNDER_REVIEW,
    Status.DECIDED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.CLOSED,
]
DEPT_NAMES = [
    "发展和改革委员会",
    "住房和城乡建设局",
    "自然资源和规划局",
    "生态环境局",
    "市场监督管理局",
    "财政局",
    "交通运输局",
    "水利局",
    "卫生健康委员会",
    "应急管理局",
    "农业农村局",
    "商务局",
    "文化广电旅游局",
    "教育局",
    "民政局",
    "人力资源和社会保障局",
    "司法局",
    "公安局",
    "林业局",
    "气象局",
]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
