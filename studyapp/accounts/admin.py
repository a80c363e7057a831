from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Learner, User

admin.site.register(User, UserAdmin)


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "created"]
    list_select_related = ["user"]
    readonly_fields = ["user", "guest_session_key", "created"]
