"""Where a project's migrations and database are, from its `[tool.typedb]` configuration."""

from __future__ import annotations

from typedb._config import Config
from typedb._url import resolve


def database_url(config: Config, url: str | None = None) -> str:
    """The URL to connect to, with a relative SQLite path made absolute against the project
    root (so the CLI works from any folder inside the project).

    >>> from pathlib import Path
    >>> database_url(Config(root=Path("/app"), database_url="sqlite:///demo.db"))
    'sqlite:////app/demo.db'
    >>> database_url(Config(root=Path("/app")), "postgresql://u@h/db")
    'postgresql://u@h/db'
    """
    if url is None and config.database_url is not None:
        # resolve() reads the environment first, then the configuration file from disk;
        # a Config built in code has to win over a file it never came from.
        import os

        url = (
            os.environ.get("TYPEDB_DATABASE_URL")
            or os.environ.get("DATABASE_URL")
            or config.database_url
        )
    parsed = resolve(url, config.root)
    if parsed.backend == "sqlite" and parsed.path is not None:
        return f"sqlite:///{parsed.path}"
    return parsed.raw
