"""Import batch details (redacted original, defaults, choices, warnings, extra columns, owner) and
department aliases, seeded with the common short forms (DOMAIN.md §8)."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# Copied here (not imported) so that the migration stays as it was when later lists change.
COMMON_SHORT_FORMS = [
    ("发改委", "发展和改革委员会"),
    ("发展改革委", "发展和改革委员会"),
    ("发改局", "发展和改革局"),
    ("住建局", "住房和城乡建设局"),
    ("住房城乡建设局", "住房和城乡建设局"),
    ("住建委", "住房和城乡建设委员会"),
    ("住房城乡建设委", "住房和城乡建设委员会"),
    ("自然资源局", "自然资源和规划局"),
    ("资规局", "自然资源和规划局"),
    ("国土局", "自然资源和规划局"),
    ("交通局", "交通运输局"),
    ("市场监管局", "市场监督管理局"),
    ("工商局", "市场监督管理局"),
    ("环保局", "生态环境局"),
    ("生态环境分局", "生态环境局"),
    ("人社局", "人力资源和社会保障局"),
    ("人力社保局", "人力资源和社会保障局"),
    ("卫健委", "卫生健康委员会"),
    ("卫健局", "卫生健康局"),
    ("农业局", "农业农村局"),
    ("农业农村委", "农业农村委员会"),
    ("文旅局", "文化和旅游局"),
    ("文广旅体局", "文化广电旅游体育局"),
    ("应急局", "应急管理局"),
    ("安监局", "应急管理局"),
    ("城管局", "城市管理局"),
    ("综合执法局", "综合行政执法局"),
    ("行政审批局", "行政审批服务局"),
    ("审批局", "行政审批服务局"),
    ("医保局", "医疗保障局"),
    ("退役军人局", "退役军人事务局"),
    ("科技局", "科学技术局"),
    ("工信局", "工业和信息化局"),
    ("经信局", "经济和信息化局"),
    ("经信委", "经济和信息化委员会"),
    ("人防办", "人民防空办公室"),
    ("国资委", "国有资产监督管理委员会"),
    ("民宗局", "民族宗教事务局"),
    ("组织部", "委组织部"),
]


def seed_aliases(apps, schema_editor):
    alias_model = apps.get_model("tracker", "DepartmentAlias")
    alias_model.objects.using(schema_editor.connection.alias).bulk_create(
        [alias_model(alias=a, full_form=f) for a, f in COMMON_SHORT_FORMS]
    )


def protect_history(apps, schema_editor):
    from tracker.audit.chain import install_triggers

    install_triggers(schema_editor.connection, ["tracker_historicaldepartmentalias"])


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0008_red_flag_rows_chart_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="accepted_warnings",
            field=models.JSONField(blank=True, default=list, verbose_name="已确认的警告"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="defaults",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="列名 → 值，列为空时使用",
                verbose_name="全文件默认值",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="extra_columns",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="表头 → {行号: 内容}，原样保存",
                verbose_name="未识别的列",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="责任人（全文件）",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="redacted_columns",
            field=models.JSONField(blank=True, default=list, verbose_name="已去除的个人信息列"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="resolutions",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="名称 → 部门 id（在预览中选定）",
                verbose_name="预览中的选择",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="stored_sha256",
            field=models.CharField(
                blank=True,
                help_text="留存的是去除个人信息后的副本时，副本的 SHA-256；sha256 为原文件的。",
                max_length=64,
                verbose_name="留存文件 SHA-256",
            ),
        ),
        migrations.CreateModel(
            name="DepartmentAlias",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("alias", models.CharField(max_length=100, verbose_name="别名")),
                (
                    "full_form",
                    models.CharField(
                        blank=True,
                        help_text="通用简称：名称中的这一段等同于哪一段全称（如 发改委 → 发展和改革委员会）",
                        max_length=100,
                        verbose_name="对应的全称写法",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="创建时间"
                    ),
                ),
                (
                    "department",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="aliases",
                        to="tracker.department",
                        verbose_name="部门",
                    ),
                ),
                (
                    "jurisdiction",
                    models.ForeignKey(
                        blank=True,
                        help_text="为空：各地通用",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="tracker.jurisdiction",
                        verbose_name="行政区划",
                    ),
                ),
            ],
            options={
                "verbose_name": "部门别名",
                "verbose_name_plural": "部门别名",
                "ordering": ["alias"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("alias", "jurisdiction", "department"),
                        name="department_alias_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="HistoricalDepartmentAlias",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("alias", models.CharField(max_length=100, verbose_name="别名")),
                (
                    "full_form",
                    models.CharField(
                        blank=True,
                        help_text="通用简称：名称中的这一段等同于哪一段全称（如 发改委 → 发展和改革委员会）",
                        max_length=100,
                        verbose_name="对应的全称写法",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="创建时间"
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField()),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "department",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tracker.department",
                        verbose_name="部门",
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "jurisdiction",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="为空：各地通用",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="tracker.jurisdiction",
                        verbose_name="行政区划",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 部门别名",
                "verbose_name_plural": "historical 部门别名",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
                "indexes": [
                    models.Index(
                        fields=["history_date", "id"], name="tracker_his_history_0160a0_idx"
                    )
                ],
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(protect_history, migrations.RunPython.noop),
        migrations.RunPython(seed_aliases, migrations.RunPython.noop),
    ]
