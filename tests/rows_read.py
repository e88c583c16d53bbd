"""How many rows each SELECT returns while some code runs: the statements are recorded as the
database received them, then run again on a separate connection and their rows counted.

    with rows_read(engine) as reads:
        triage_rows(...)
    assert reads.largest() <= 3
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event


@dataclass
class Reads:
    engine: Engine
    statements: list[tuple[str, object]] = field(default_factory=list)
    _counts: list[int] | None = None

    def counts(self) -> list[int]:
        """The number of rows each recorded SELECT returns, in the order they ran."""
        if self._counts is None:
            connection = self.engine.raw_connection()
            try:
                cursor = connection.cursor()
                self._counts = []
                for statement, parameters in self.statements:
                    cursor.execute(statement, parameters)
                    self._counts.append(len(cursor.fetchall()))
            finally:
                connection.close()
        return self._counts

    def largest(self) -> int:
        return max(self.counts(), default=0)

    def total(self) -> int:
        return sum(self.counts())


@contextmanager
def rows_read(engine: Engine):
    reads = Reads(engine)

    def record(_connection, _cursor, statement, parameters, _context, _executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            reads.statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield reads
    finally:
        event.remove(engine, "before_cursor_execute", record)
