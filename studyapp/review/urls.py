from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.review_all, name="all"),
    path("topics/<slug:topic_slug>/", views.review_topic, name="topic"),
    path("settings/", views.settings_page, name="settings"),
    path("stats/", views.stats_page, name="stats"),
    path("stats/topics/<slug:topic_slug>/", views.stats_topic, name="stats_topic"),
    path("cards/<slug:card_slug>/", views.card_page, name="card"),
    path("guest-progress/", views.guest_progress, name="guest_progress"),
]
