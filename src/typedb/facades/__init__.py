"""Ready-made objects configured from the project: `db` and `migrator`."""
