from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from studyapp.course.content import ContentError, read_course
from studyapp.course.loading import load_course


class Command(BaseCommand):
    help = "Load (upsert by slug) the course from fixtures/; removed items are retired."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(settings.COURSE_DIR), help="The fixtures folder.")
        parser.add_argument("--check", action="store_true", help="Validate only; write nothing.")

    def handle(self, *args, dir, check, **options):
        try:
            if check:
                course = read_course(dir)
                items = sum(len(t.notes) + len(t.cards) + len(t.questions) for t in course.topics)
                self.stdout.write(f"valid: {len(course.topics)} topics, {items} items")
                return
            report = load_course(dir)
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"course loaded: {report.summary()}"))
