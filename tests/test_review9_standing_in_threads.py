"""Review of issue 9: the `db` facade standing in a test's transaction (the pytest plugin's
typedb_db) is used "by any thread": two threads' db.transaction() blocks must not interleave
their savepoints on the one connection."""

from __future__ import annotations

import threading
import time

import typedb
from typedb.facades._lazy import LazyDatabase


def test_two_threads_transactions_through_a_standing_in_facade_stay_apart(db_url: str) -> None:
    """Thread A's block fails while thread B's block (begun after A's) is still open. A's
    ROLLBACK TO its savepoint used to drop B's savepoint too: B's committed row vanished, B
    failed with "no such savepoint" and, on PostgreSQL, the test transaction was aborted."""
    with typedb.connect(db_url) as real:
        real.raw("CREATE TABLE rv9s (v integer)")
        facade = LazyDatabase(db_url)
        errors: list[BaseException] = []
        a_inside, b_started = threading.Event(), threading.Event()

        def a() -> None:
            try:
                with facade.transaction():
                    facade.raw("INSERT INTO rv9s (v) VALUES (1)")
                    a_inside.set()
                    b_started.wait(0.5)  # B waits for the connection (or, before, got in)
                    time.sleep(0.1)
                    raise KeyError("A fails")
            except KeyError:
                pass
            except BaseException as exc:
                errors.append(exc)

        def b() -> None:
            try:
                assert a_inside.wait(5)
                b_started.set()
                with facade.transaction():
                    facade.raw("INSERT INTO rv9s (v) VALUES (2)")
                    time.sleep(0.2)
            except BaseException as exc:
                errors.append(exc)

        with real.transaction() as trx, facade.standing_in(trx):
            threads = [threading.Thread(target=a), threading.Thread(target=b)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
            assert errors == []
            assert trx.raw("SELECT v FROM rv9s") == [{"v": 2}]
        facade.close()
