"""Run by Label Studio's own interpreter (its venv), never imported by yoloop: a user and a token, no prompt.

`python labelstudio_bootstrap.py CREDENTIALS_JSON`: applies Label Studio's database migrations,
creates the user named in the file (a superuser in the one organisation) when missing, and
writes a personal access token into the file when it holds none. Label Studio 1.23 turns
personal access tokens (JWT refresh tokens) on and legacy tokens off for a new organisation,
and its CLI has no command that prints a personal access token: hence this script, which
uses Label Studio's own models the way its `label-studio start --username` path does.
It imports nothing from yoloop: Label Studio's pins clash with the project's.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def ensure_user(email: str, password: str):
    from organizations.models import Organization
    from users.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password)
        user.is_staff = user.is_superuser = True
        user.save()
    organization = Organization.objects.first()
    if organization is None:
        organization = Organization.create_organization(created_by=user, title="yoloop")
    elif not organization.has_user(user):
        organization.add_user(user)
    user.active_organization = organization
    user.save(update_fields=["active_organization"])
    return user


def main(credentials: Path) -> None:
    from label_studio.server import _apply_database_migrations, _setup_env

    _setup_env()
    _apply_database_migrations()
    from jwt_auth.models import LSAPIToken

    wanted = json.loads(credentials.read_text())
    user = ensure_user(wanted["email"], wanted["password"])
    if not wanted.get("token"):
        wanted["token"] = LSAPIToken.for_user(user).get_full_jwt()
    fd = os.open(credentials, os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(wanted, out, indent=2)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
