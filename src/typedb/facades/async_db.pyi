"""What type checkers see when the project's stubs are NOT registered in the environment.

The generated stub package (`typedb stubs:generate`, registered by `typedb stubs:install`)
replaces this file. Without it, `db` would be an untyped `Database` and every query would pass
unchecked; here instead every use of `db` or `connect()` is an error naming the cause.
"""

from typing_extensions import deprecated

@deprecated(
    "typedb: the generated stubs are not registered in this environment, so queries cannot be "
    "checked: run `typedb stubs:install` (`typedb stubs:check` tells what is wrong)"
)
class StubsNotRegistered_RunTypedbStubsInstall:
    """No attributes: `db.select_from(...)` is an error in mypy, pyright and ty."""

AsyncDB = StubsNotRegistered_RunTypedbStubsInstall
LazyAsyncDatabase = StubsNotRegistered_RunTypedbStubsInstall
db: StubsNotRegistered_RunTypedbStubsInstall

@deprecated(
    "typedb: the generated stubs are not registered in this environment, so queries cannot be "
    "checked: run `typedb stubs:install` (`typedb stubs:check` tells what is wrong)"
)
def connect(url: str | None = None) -> StubsNotRegistered_RunTypedbStubsInstall: ...
