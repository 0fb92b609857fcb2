"""The stub generator: a PEP 561 partial stub package typing `typedb.facades.db` from the
contracts, and registering it in the environment."""

from typedb.stubgen._install import (
    install,
    registration_problem,
    scratch_environment,
    site_packages,
)
from typedb.stubgen._package import PACKAGE, Change, check, generate, render

__all__ = [
    "PACKAGE",
    "Change",
    "check",
    "generate",
    "install",
    "registration_problem",
    "render",
    "scratch_environment",
    "site_packages",
]
