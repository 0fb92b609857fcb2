"""The typed facade: `db`, the project's database, and `connect(url)` (see `_lazy`).

Type checkers never read this file: with the project's stubs registered (`typedb stubs:install`)
they read the generated `typedb-stubs/facades/db.pyi`, and without them `db.pyi` beside this
file, which makes every use of `db` an error that says to run `typedb stubs:install`.
"""

from typedb.facades._lazy import DB, LazyDatabase, connect, db

__all__ = ["DB", "LazyDatabase", "connect", "db"]
