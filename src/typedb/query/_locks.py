"""Row locks run only inside a transaction.

Outside one, PostgreSQL takes a `FOR UPDATE` / `FOR SHARE` lock in the statement's own
transaction and drops it as the statement ends, before the caller uses the rows: two workers
would both "lock", and both take, the same job. A SELECT whose shape holds a lock anywhere
(its own, a subquery's, a CTE's) compiles to `LockingSql`, and the databases refuse to run
that outside a transaction. An UPDATE or DELETE whose subquery locks is one statement that
holds the lock while it runs, so it is not marked. Marked once per shape, when its SQL is
rendered; the check is one type test on the path of statements outside a transaction.
"""

from __future__ import annotations

from typing import Any

from typedb._errors import CompileError


class LockingSql(str):
    """SQL text of a SELECT that takes row locks. Equal to the plain text."""

    __slots__ = ()


def takes_locks(shape: Any) -> bool:
    """Whether a query shape holds a row lock record, at any depth."""
    if type(shape) is not tuple:
        return False
    if len(shape) == 2 and shape[0] == "lock" and shape[1] in ("FOR UPDATE", "FOR SHARE"):
        return True
    return any(takes_locks(part) for part in shape)


def unlocked_error(tables: tuple[str, ...]) -> CompileError:
    return CompileError(
        f"a row lock (for_update() / for_share(), here or in a subquery or CTE) on "
        f"{', '.join(repr(t) for t in tables)} outside a transaction: the lock would end with "
        "the statement, before you use the rows. Run it in `with db.transaction() as trx:` "
        "(or use the locked query as a subquery of the UPDATE that takes the rows)"
    )
