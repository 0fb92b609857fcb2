"""The typed async facade: `db`, the project's database for asyncio code, and `connect(url)`
(see `_lazy_async`).

Type checkers never read this file: with the project's stubs registered (`typedb stubs:install`)
they read the generated `typedb-stubs/facades/async_db.pyi`, and without them `async_db.pyi`
beside this file, which makes every use of `db` an error that says to run
`typedb stubs:install`.
"""

from typedb.facades._lazy_async import AsyncDB, LazyAsyncDatabase, connect, db

__all__ = ["AsyncDB", "LazyAsyncDatabase", "connect", "db"]
