"""The site's URLs: the only module that imports every app."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("studyapp.course.urls")),
    path("review/", include("studyapp.review.urls")),
    path("quiz/", include("studyapp.quiz.urls")),
    path("demos/", include("studyapp.demos.urls")),
    path("lab/", include("studyapp.lab.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
]

handler400 = "studyapp.views.bad_request"
handler403 = "studyapp.views.permission_denied"
handler404 = "studyapp.views.page_not_found"
handler500 = "studyapp.views.server_error"
