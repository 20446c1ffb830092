"""URL patterns for notifications, overdue explanations and deadline extensions."""

from django.urls import path

from tracker.deadlines import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notification_read_all, name="read_all"),
    path("notifications/email/", views.email_preference, name="email_preference"),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
    path(
        "cases/<str:reference>/overdue-explanation/",
        views.overdue_explanation,
        name="overdue_explanation",
    ),
    path("cases/<str:reference>/extend-deadline/", views.extend_deadline, name="extend_deadline"),
]
