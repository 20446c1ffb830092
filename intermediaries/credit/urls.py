from django.urls import path

from intermediaries.credit import views

app_name = "credit"

urlpatterns = [
    path("credit/", views.index, name="index"),
    path("credit/firms/<int:pk>/", views.firm_credit, name="firm"),
    path("credit/firms/<int:pk>/records/new/", views.record_add, name="record_add"),
    path("credit/firms/<int:pk>/lists/new/", views.list_enter, name="list_enter"),
    path("credit/records/<int:pk>/correct/", views.record_correct, name="record_correct"),
    path("credit/lists/<int:pk>/notice/", views.list_notice, name="list_notice"),
    path("credit/lists/<int:pk>/exit/", views.list_exit, name="list_exit"),
    path("credit/rules/", views.rules, name="rules"),
    path("credit/rules/new/", views.rule_new, name="rule_new"),
    path("credit/plans/", views.plans, name="plans"),
    path("credit/plans/new/", views.plan_new, name="plan_new"),
    path("credit/plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("credit/plans/<int:pk>/commit/", views.plan_commit, name="plan_commit"),
    path("credit/plans/<int:pk>/draw/", views.plan_draw, name="plan_draw"),
    path("credit/draws/<int:pk>/result/", views.draw_result, name="draw_result"),
    path("credit/complaints/", views.complaints, name="complaints"),
    path("credit/complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    # Public (no login)
    path("public/credit/", views.public_firms, name="public_firms"),
    path(
        "public/credit/firms.<str:fmt>", views.public_firms_download, name="public_firms_download"
    ),
    path("public/credit/lists/", views.public_lists, name="public_lists"),
    path("public/credit/joint-punishment.<str:fmt>", views.joint_export, name="joint_export"),
    path("public/credit/plans/<int:pk>/", views.public_plan, name="public_plan"),
    path("public/complaints/new/", views.complaint_new, name="complaint_new"),
    path("public/complaints/status/", views.complaint_status, name="complaint_status"),
]
