from django.core.management.base import BaseCommand

from studyapp.accounts.learners import clear_expired_guests


class Command(BaseCommand):
    help = "Delete guest learners, with all their data, whose browser session has expired."

    def handle(self, *args, **options):
        count = clear_expired_guests()
        self.stdout.write(f"Removed {count} expired guest learner{'s' if count != 1 else ''}.")
