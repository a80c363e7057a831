from django.urls import path

from . import data_views, views

app_name = "review"
urlpatterns = [
    path("", views.review_all, name="all"),
    path("topics/<slug:topic_slug>/", views.review_topic, name="topic"),
    path("settings/", views.settings_page, name="settings"),
    path("stats/", views.stats_page, name="stats"),
    path("stats/topics/<slug:topic_slug>/", views.stats_topic, name="stats_topic"),
    path("cards/<slug:card_slug>/", views.card_page, name="card"),
    path("data/", data_views.data_page, name="data"),
    path("data/review-log.csv", data_views.export_csv, name="export_csv"),
    path("data/backup.json", data_views.export_json, name="export_json"),
    path("data/deck.apkg", data_views.anki_deck, name="anki"),
    path("data/import/", data_views.import_log, name="import"),
    path("data/restore/", data_views.restore, name="restore"),
    path("data/optimise/", data_views.optimise, name="optimise"),
    path("data/parameters/", data_views.apply_parameters, name="parameters"),
    path("guest-progress/", views.guest_progress, name="guest_progress"),
]
