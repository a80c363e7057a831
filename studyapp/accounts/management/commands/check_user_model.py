"""Stop early, with what to do, when a local database predates the site's own user model.

Databases made before `accounts.User` existed have `admin` migrated against `auth.User`;
`migrate` would fail on them with InconsistentMigrationHistory. No learner data lived in
them, so the remedy is a fresh database (the course reloads from fixtures/).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder


def predates_user_model(connection):
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = recorder.applied_migrations()
    return ("admin", "0001_initial") in applied and ("accounts", "0001_initial") not in applied


class Command(BaseCommand):
    help = "Fail with instructions if the database was made before the site's user model."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database, **options):
        connection = connections[database]
        if predates_user_model(connection):
            name = connection.settings_dict["NAME"]
            raise CommandError(
                f"The database {name} was made before the site had its own user model "
                "(accounts.User), so it cannot be migrated. It holds no learner data: delete it "
                "and run `make run` again; the course is loaded afresh."
            )
