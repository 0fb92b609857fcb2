"""Database URLs: parsing, masking the password, and finding the one to use."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from typedb._errors import ConnectionError

SCHEMES = ("sqlite", "postgresql", "postgres")


def mask(url: str) -> str:
    """The URL with any password replaced, safe for error messages and logs. Errs on the side
    of hiding: everything between the user name and the last `@`, and `password=` options.
    SQLite URLs hold no password and are left alone.

    >>> mask("postgresql://app:s3cret@db:5432/shop")
    'postgresql://app:***@db:5432/shop'
    >>> mask("postgresql://app:s3/cr?t@db/shop"), mask("app:s3cret@db/shop")
    ('postgresql://app:***@db/shop', 'app:***@db/shop')
    >>> mask("postgresql://app@db/shop?sslmode=require&sslpassword=k3y&password=s3cret")
    'postgresql://app@db/shop?sslmode=require&sslpassword=***&password=***'
    >>> mask("host=db password = 's3 cret' dbname=shop")
    'host=db password = *** dbname=shop'
    >>> mask("sqlite:///data/with:colon@at.db")
    'sqlite:///data/with:colon@at.db'
    """
    if url.lower().startswith("sqlite:"):
        return url
    masked = _password_options(url).sub(r"\1***", url)
    at = masked.rfind("@")
    if at == -1:
        return masked
    scheme_end = masked.find("//")
    start = scheme_end + 2 if -1 < scheme_end < at else 0
    colon = masked.find(":", start, at)
    if colon == -1:
        return masked
    return f"{masked[: colon + 1]}***{masked[at:]}"


def passwords(url: str) -> list[str]:
    """The password(s) a URL carries, as written and percent-decoded, to scrub them from text
    that quotes them (libpq's own error messages do).

    >>> passwords("postgresql://app:hu%20nter@db/x?sslpassword=k3y")
    ['hu%20nter', 'k3y', 'hu nter']
    """
    found: list[str] = []
    at = url.rfind("@")
    if at != -1:
        start = url.find("//") + 2 if -1 < url.find("//") < at else 0
        colon = url.find(":", start, at)
        if colon != -1:
            found.append(url[colon + 1 : at])
    found += [m.group(3).rstrip("'") for m in _password_options(url).finditer(url)]
    decoded = [unquote(p) for p in found]
    return [p for p in dict.fromkeys(found + decoded) if p]


def scrub(text: str, url: str) -> str:
    """`text` with every password of `url` replaced by ***."""
    for secret in sorted(passwords(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


# In a URL an option runs to the next &; in a libpq "key=value" string, to a space unless
# it is quoted.
_URL_PASSWORD = re.compile(r"(?i)([?&](?:ssl)?password=)()([^&]*)")
_CONNINFO_PASSWORD = re.compile(r"(?i)(\b(?:ssl)?password\s*=\s*)(')?((?(2)(?:[^'\\]|\\.)*'|\S*))")


def _password_options(text: str) -> re.Pattern[str]:
    return _URL_PASSWORD if "://" in text else _CONNINFO_PASSWORD


@dataclass(frozen=True, slots=True)
class Url:
    """A parsed database URL. `path` is the SQLite file (None: in memory)."""

    raw: str = field(repr=False)
    backend: str  # "sqlite" or "postgresql"
    path: str | None = None

    @property
    def masked(self) -> str:
        return mask(self.raw)

    def __repr__(self) -> str:
        return f"Url({self.masked!r}, backend={self.backend!r})"


def parse(url: str, base: Path | None = None) -> Url:
    """Check a URL and say which backend it is for.

    >>> parse("sqlite://").path is None
    True
    >>> parse("sqlite:////tmp/app.db").path
    '/tmp/app.db'
    >>> parse("mysql://root@localhost/db")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    typedb._errors.ConnectionError: unsupported database URL 'mysql://root@localhost/db': ...
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConnectionError(
            f"not a database URL: {mask(url)!r} (expected e.g. sqlite:///app.db "
            "or postgresql://user@host:5432/db)"
        )
    scheme = scheme.lower()
    if scheme == "sqlite":
        # sqlite:// -> memory; sqlite:///rel.db -> relative; sqlite:////abs.db -> absolute
        if rest in ("", "/", "/:memory:"):
            return Url(url, "sqlite", None)
        if not rest.startswith("/"):
            raise ConnectionError(
                f"bad SQLite URL {url!r}: use sqlite:///relative.db, sqlite:////absolute.db "
                "or sqlite:// for an in-memory database"
            )
        path = rest[1:].split("?", 1)[0]
        if not path.startswith("/") and base is not None:
            path = str(base / path)
        return Url(url, "sqlite", path)
    if scheme in ("postgresql", "postgres"):
        if re.split(r"[/?#]", rest, maxsplit=1)[0].count("@") > 1:
            # libpq ends the password at the first @ and takes the rest for the host name,
            # which it would then look up (and quote in its error): refuse instead.
            raise ConnectionError(
                f"bad PostgreSQL URL {mask(url)!r}: more than one @ before the host "
                "(percent-encode @ in a user name or password as %40)"
            )
        try:
            urlsplit(url).port  # noqa: B018 - raises on a bad port
        except ValueError:  # its message would quote the "port", maybe part of a password
            raise ConnectionError(
                f"bad PostgreSQL URL {mask(url)!r}: the port is not a number from 0 to 65535 "
                "(percent-encode / # ? @ in a user name or password)"
            ) from None
        return Url(url, "postgresql", None)
    raise ConnectionError(
        f"unsupported database URL {mask(url)!r}: the scheme must be one of sqlite, postgresql"
    )


def resolve(url: str | None, root: Path | None = None) -> Url:
    """The URL to use: the argument, then TYPEDB_DATABASE_URL, then DATABASE_URL, then
    `[tool.typedb] database_url`, then a SQLite file in the project. Relative SQLite paths are
    relative to the project root (the folder of the first pyproject.toml with `[tool.typedb]`
    at or above the working directory)."""
    from typedb._config import find_root, load

    if url is None:
        url = os.environ.get("TYPEDB_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url is not None:  # an explicit URL needs no configuration, even a broken one
        return parse(url, base=find_root(root, strict=False))
    config = load(root)
    return parse(config.database_url or "sqlite:///typedb.sqlite3", base=config.root)
