"""Pages of the long organiser tables: a page reads only the rows it shows."""

from dataclasses import dataclass

PAGE_SIZE = 100


@dataclass(frozen=True)
class Page:
    """Which rows a page shows: `number` counts from 1, within 1..count."""

    number: int
    count: int
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_of(total: int, number: int, size: int | None = None) -> Page:
    """The page asked for among `total` rows, brought back within the pages there are."""
    size = size or PAGE_SIZE
    count = max(1, -(-total // size))
    return Page(number=min(max(1, number), count), count=count, size=size)
