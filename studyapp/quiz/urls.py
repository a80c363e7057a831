from django.urls import path

from . import views

app_name = "quiz"
urlpatterns = [
    path("", views.builder, name="builder"),
    path("history/", views.attempt_list, name="history"),
    path("<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("<int:attempt_id>/results/", views.attempt_results, name="results"),
    path("<int:attempt_id>/<int:position>/", views.question_detail, name="question"),
]
