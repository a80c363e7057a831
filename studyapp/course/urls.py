from django.urls import path

from . import views

app_name = "course"
urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("topics/<slug:topic_slug>/", views.topic_detail, name="topic"),
    path("topics/<slug:topic_slug>/cards/<slug:card_slug>/", views.card_detail, name="card"),
    path("topics/<slug:topic_slug>/questions/<slug:question_slug>/", views.question_detail,
         name="question"),
]
