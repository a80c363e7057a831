from django.apps import AppConfig


class CourseConfig(AppConfig):
    name = "studyapp.course"
    label = "course"
    verbose_name = "Course content"
