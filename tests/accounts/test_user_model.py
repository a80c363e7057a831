"""The site's own user model, and the message for a database made before it existed."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

pytestmark = pytest.mark.django_db


def test_the_user_model_is_the_sites_own():
    User = get_user_model()
    assert User._meta.label == "accounts.User"
    user = User.objects.create_user("ada", password="a long enough password")
    assert user.check_password("a long enough password")


def test_a_current_database_passes_the_check():
    call_command("check_user_model")  # no error


def test_a_database_made_before_the_user_model_says_what_to_do():
    # As an old db.sqlite3 has it: admin migrated (against auth.User), accounts never.
    MigrationRecorder(connection).migration_qs.filter(app="accounts").delete()
    with pytest.raises(CommandError, match="delete it and run `make run` again"):
        call_command("check_user_model")
