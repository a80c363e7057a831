from django.urls import path

from . import views

app_name = "lab"
urlpatterns = [
    path("", views.lab_home, name="home"),
    path("runs/", views.run_create, name="create"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/poll/", views.run_poll, name="poll"),
    path("runs/<int:run_id>/start/", views.run_start, name="start"),
    path("runs/<int:run_id>/pause/", views.run_pause, name="pause"),
    path("runs/<int:run_id>/step/", views.run_step, name="step"),
    path("runs/<int:run_id>/reset/", views.run_reset, name="reset"),
    path("runs/<int:run_id>/delete/", views.run_delete, name="delete"),
    path("runs/<int:run_id>/sample/", views.run_sample, name="sample"),
]
