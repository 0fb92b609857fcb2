"""Keeping PostgreSQL sequences still during a dry run, without stalling the application.

`nextval()` and `setval()` are not transactional: an INSERT in a rolled-back dry run would
still use up ids. Since PostgreSQL 10, ALTER SEQUENCE is transactional and gives the sequence
new storage for the rest of the transaction; altering a sequence to what it already is
(`INCREMENT BY` its own increment) makes every later `nextval()` of the dry run land there,
and the rollback throws it away.

That ALTER takes a lock which waits for every open transaction that used the sequence, and
which blocks everyone else's `nextval()` on it until the dry run ends. So the shield is taken
lazily, only on the sequences a statement could draw from, just before that statement runs,
and it waits at most `LOCK_TIMEOUT_MS` for the lock: when an open transaction holds the
sequence, the dry run stops and says so rather than queue the application behind it.

Which sequences a statement could draw from is read from its text, against a catalog snapshot
taken when the dry run starts: a sequence named in it (`nextval('s')`, a DEFAULT being set),
and the sequences behind the serial / identity defaults of every table named in it, or drawn
from in the body of one of that table's triggers. Names are matched as whole words (a
name in a schema off the search_path only where that schema is named too), so a statement
may be credited with a sequence it does not use (the cost: one lock more), never
the reverse, except for a sequence used only inside a function the statement calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from typedb._errors import MigrationError, QueryError
from typedb.connection._driver import Driver

#: How long a dry run waits for a sequence's lock (and so, at most, how long it holds up the
#: application's `nextval()` calls queued behind its request) before it gives up.
LOCK_TIMEOUT_MS = 250

# Each sequence outside the system schemas that existed when the dry run started (one created
# by the dry run itself goes with its rollback), whether this role may ALTER it, and the
# tables that draw from it: by a column default, as its serial / identity owner, or in the
# body of one of their triggers' functions.
_SNAPSHOT = (
    "SELECT format('%I.%I', n.nspname, c.relname) AS qualified, c.relname AS name, "
    "n.nspname AS schema, n.nspname = ANY (current_schemas(false)) AS on_path, "
    "pg_has_role(c.relowner, 'USAGE') AS owned, s.seqincrement AS increment, ARRAY("
    " SELECT t.relname FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid"
    " JOIN pg_class t ON t.oid = ad.adrelid"
    " WHERE d.classid = 'pg_attrdef'::regclass AND d.refobjid = c.oid"
    " UNION SELECT t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid"
    " WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')"
    " UNION SELECT t.relname FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid"
    " JOIN pg_class t ON t.oid = tg.tgrelid"
    " WHERE NOT tg.tgisinternal AND position(lower(c.relname) IN lower(p.prosrc)) > 0"
    ") AS tables "
    "FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
)
_ROLLBACK_TO = re.compile(
    r"\s*ROLLBACK\s+(?:TRANSACTION\s+|WORK\s+)?TO\s+(?:SAVEPOINT\s+)?(\S+)", re.IGNORECASE
)
_TYPEDB_SAVEPOINT = re.compile(r"typedb_sp_(\d+)")


@dataclass(frozen=True)
class _Sequence:
    qualified: str
    owned: bool
    increment: int


class SequenceShield:
    """Called with each statement of a dry run before it runs (see the module docstring)."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        # A table or sequence name -> (its schema if not on the search_path, a sequence).
        self._by_word: dict[str, list[tuple[str | None, _Sequence]]] = {}
        self._words: re.Pattern[str] | None = None
        # Shielded sequence -> the transaction depth it was shielded at: a ROLLBACK TO a
        # savepoint taken before that undoes the ALTER, so it is shielded again when needed.
        self._shielded: dict[str, int] = {}

    def start(self) -> None:
        """Take the catalog snapshot; call first thing in the dry run's transaction."""
        self._by_word, self._words, self._shielded = {}, None, {}
        if self.driver.dialect.name != "postgresql":
            return
        rows, _ = self.driver.run(_SNAPSHOT, None)
        for row in rows:
            # A bare name means the search_path's object; one in another schema counts only
            # where the statement names that schema too.
            schema = None if row["on_path"] else str(row["schema"]).lower()
            seq = _Sequence(str(row["qualified"]), bool(row["owned"]), int(row["increment"]))
            for word in {str(row["name"]), *map(str, row["tables"])}:
                self._by_word.setdefault(word.lower(), []).append((schema, seq))
        words = set(self._by_word) | {s for each in self._by_word.values() for s, _ in each if s}
        if words:
            names = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
            self._words = re.compile(rf"(?<![\w$])(?:{names})(?![\w$])", re.IGNORECASE)

    def before(self, sql: str, depth: int) -> None:
        """Shield the sequences `sql` could draw from that are not shielded yet; `depth` is
        the dry run's transaction depth (1 in BEGIN, 2+ in savepoints)."""
        if self._words is None:
            return
        rolled_back = _ROLLBACK_TO.match(sql)
        if rolled_back:
            self._forget_after(rolled_back.group(1), depth)
            return
        named = {word.lower() for word in self._words.findall(sql)}
        needed = sorted(
            {
                seq.qualified: seq
                for word in named
                for schema, seq in self._by_word.get(word, ())
                if (schema is None or schema in named) and seq.qualified not in self._shielded
            }.values(),
            key=lambda seq: seq.qualified,
        )
        if needed:
            self._shield(needed, depth)

    def _forget_after(self, savepoint: str, depth: int) -> None:
        ours = _TYPEDB_SAVEPOINT.fullmatch(savepoint.strip('"'))
        # typedb's savepoint N was taken at depth N; one of the migration's own names could
        # have been taken anywhere at this depth, so forget everything from here on.
        level = int(ours.group(1)) if ours else depth - 1
        self._shielded = {name: at for name, at in self._shielded.items() if at <= level}

    def _shield(self, sequences: list[_Sequence], depth: int) -> None:
        run = self.driver.run
        for seq in sequences:
            if not seq.owned:
                raise MigrationError(
                    f"the dry run would draw from sequence {seq.qualified}, and cannot keep it "
                    "from advancing: that needs ALTER SEQUENCE, which only its owner may run; "
                    "dry-run as the owner of the sequence"
                )
        rows, _ = run(
            "SELECT current_setting('lock_timeout') AS old, "
            f"set_config('lock_timeout', '{LOCK_TIMEOUT_MS}ms', true)",
            None,
        )
        for seq in sequences:
            try:
                run(f"ALTER SEQUENCE {seq.qualified} INCREMENT BY {seq.increment}", None)
            except QueryError as exc:
                if getattr(exc.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                    raise
                raise MigrationError(
                    f"the dry run stopped before drawing from sequence {seq.qualified}: an open "
                    f"transaction holds it (it used the sequence and has not ended; waited "
                    f"{LOCK_TIMEOUT_MS} ms). Keeping the sequence still needs a lock that "
                    "would hold up the application's nextval() until that transaction ends, "
                    "so the dry run refuses instead; run it again when that transaction has "
                    "ended. Nothing was changed"
                ) from None
            self._shielded[seq.qualified] = depth
        run("SELECT set_config('lock_timeout', %s, true)", (str(rows[0]["old"]),))
