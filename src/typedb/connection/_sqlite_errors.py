"""How typedb's SQL functions on SQLite say why they failed.

SQLite reports an exception raised in an application function as "user-defined function
raised exception", whichever it was. typedb's functions record their message here first, and
the driver puts it in the QueryError instead (see _sqlite._error).
"""

from __future__ import annotations

import threading

# The message of the last error a typedb function raised, by thread (SQLite runs a
# function in the thread of its statement): SQLite reports any of them as "user-defined
# function raised exception", which the driver replaces with this (see _sqlite._error).
_FUNCTION_ERRORS = threading.local()


def function_error(exc: Exception) -> Exception:
    """`exc`, recorded as what a typedb SQL function failed with; raise what it returns."""
    _FUNCTION_ERRORS.message = str(exc)
    return exc


def take_function_error() -> str | None:
    """The message a typedb SQL function last raised in this thread, once."""
    message: str | None = getattr(_FUNCTION_ERRORS, "message", None)
    _FUNCTION_ERRORS.message = None
    return message
