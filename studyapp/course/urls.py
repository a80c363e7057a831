from django.urls import path

from . import views

app_name = "course"
urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("topics/<slug:slug>/cards/<slug:card_slug>/", views.card, name="card"),
    path("topics/<slug:slug>/questions/<slug:question_slug>/", views.question, name="question"),
]
