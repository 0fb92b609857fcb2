"""`migrator`: a `Migrator` for the project around the working directory.

Nothing is read or opened on import: the configuration is loaded, and the database
connected, on first use.

    from typedb.facades.migrator import migrator

    migrator.on("migration:after-up", lambda step: print("ran", step.name))
    migrator.latest()
"""

from __future__ import annotations

from typedb.migrator import Migrator

migrator = Migrator()

__all__ = ["migrator"]
