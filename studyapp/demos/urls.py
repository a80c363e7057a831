from django.urls import path

from . import views

app_name = "demos"
urlpatterns = [
    path("", views.demo_list, name="demos"),
    path("<slug:demo_slug>/", views.demo_detail, name="demo"),
]
