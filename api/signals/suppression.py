"""Small-cell suppression of published counts.

Small cells (see `suppress`): every count of 1 to 4 is published as "< 5". So that a hidden cell cannot be
recovered by subtracting the visible cells from a total (or from the same total in a coarser report),
every line of a report (the cells that differ in one dimension only) and the report as a whole hold
either no hidden cell or at least two: when only one would be hidden, the smallest visible cell of that
line is hidden too, shown as "x". Totals are published with the same "< 5" rule. Reports count whole
months only (from/to are widened to whole months), so two overlapping date ranges cannot isolate a day.

Reports: every figure (a cell, a total) comes in three versions, all signals / real signals / demo
signals, suppressed together (`suppress_split`), so that no small cell can be recovered by subtracting
a published demo count from a published total, or one report variant (include / exclude / only demo)
from another.
"""

from typing import NamedTuple

import numpy as np

from common.errors import InvalidInput

SMALL_CELL = 5
SMALL_LABEL = "< 5"
COMPLEMENT_LABEL = "x"


# ----------------------------------------------------------------------------------------- suppression
class Published(NamedTuple):
    count: int | None  # None when hidden
    display: str


def publish(count: int) -> Published:
    """One number on its own (a total): below 5 it is shown as '< 5'."""
    if 0 < count < SMALL_CELL:
        return Published(None, SMALL_LABEL)
    return Published(count, str(count))


def suppress(cells: dict[tuple, int]) -> dict[tuple, Published]:
    """Primary suppression (1-4 -> '< 5') plus complementary suppression ('x'), see the module docstring.

    cells: counts keyed by tuples of equal length (one element per dimension); zero cells are absent.
    Which cell becomes a complement depends on the order of `cells` among equal counts: pass them in a
    deterministic order (build_report has the database sort them).
    """
    if not cells:
        return {}
    keys = list(cells)
    counts = np.fromiter(cells.values(), dtype=np.int64, count=len(keys))
    labels = _hidden_labels(_codes(keys), counts)
    return dict(zip(keys, _published(counts, labels), strict=True))


def _codes(keys: list[tuple]) -> np.ndarray:
    """The keys as a matrix of small integers, one column per dimension (equal values, equal codes)."""
    width = len(keys[0])
    codes = np.zeros((len(keys), max(width, 1)), dtype=np.int64)
    for d in range(width):
        seen: dict[object, int] = {}
        codes[:, d] = [seen.setdefault(key[d], len(seen)) for key in keys]
    return codes


def _hidden_labels(codes: np.ndarray, counts: np.ndarray) -> bytearray:
    """0 visible, 1 small cell, 2 complement, per row of `codes` (a cell) with its count.

    A line is the set of cells equal in every dimension but one, or the whole table. Whenever a line holds
    exactly one hidden cell, its smallest visible cell (ties: the earlier cell) is hidden too; that can make
    another line hold one hidden cell, so this runs as a work queue until no line does. The lines and their
    cells, smallest first, are built with numpy; only the queue is Python, and it touches the lines that
    hold a hidden cell, so a report of 80 000 cells over a million signals stays well under a second.
    """
    n, width = codes.shape
    rank = np.empty(n, dtype=np.int64)
    smallest_first = np.argsort(counts, kind="stable")
    rank[smallest_first] = np.arange(n)
    radix = codes.max(axis=0) + 1
    line_of: list[np.ndarray] = []  # per dimension (then the whole table): each cell's line number
    flat: list[np.ndarray] = []  # every line's cells, smallest first, line after line
    starts: list[np.ndarray] = []
    lines = 0
    for d in range(width if width > 1 else 0):
        others = [k for k in range(width) if k != d]
        combined = np.zeros(n, dtype=np.int64)
        for k in others:
            combined = combined * radix[k] + codes[:, k]
        _, local = np.unique(combined, return_inverse=True)
        local = local.reshape(-1)
        order = np.lexsort((rank, local))
        sizes = np.bincount(local)
        starts.append(lines_start := np.concatenate(([0], np.cumsum(sizes)[:-1])) + sum(map(len, flat)))
        flat.append(order)
        line_of.append(local + lines)
        lines += len(sizes)
        del lines_start
    line_of.append(np.full(n, lines, dtype=np.int64))  # the whole table
    starts.append(np.array([sum(map(len, flat))]))
    flat.append(smallest_first)
    lines += 1
    flat_list = np.concatenate(flat).tolist()
    start = np.concatenate(starts).tolist()
    end = start[1:] + [len(flat_list)]
    small = (counts > 0) & (counts < SMALL_CELL)
    hidden = bytearray(small.astype(np.uint8).tobytes())
    # Every line with a small cell enters the queue once, in the order its first small cell was hidden.
    hits = np.stack([ids[small] for ids in line_of], axis=1).reshape(-1)
    counted = np.bincount(hits, minlength=lines)
    _, first = np.unique(hits, return_index=True)
    queue = hits[np.sort(first)]
    # A line with two hidden cells or more never needs a complement (counts only grow): left out at once.
    queue = queue[counted[queue] == 1].tolist()
    hidden_in = counted.tolist()
    lines_of_cell = np.stack(line_of, axis=1)  # a cell's lines, looked up only for the complements
    first_visible = start[:]
    while queue:
        line = queue.pop()
        if hidden_in[line] != 1 or end[line] - start[line] < 2:
            continue  # a lone cell: the line's total is the cell itself, published by the same rule
        i, stop = first_visible[line], end[line]
        while i < stop and hidden[flat_list[i]]:
            i += 1
        first_visible[line] = i
        if i < stop:
            cell = flat_list[i]
            hidden[cell] = 2
            for other in lines_of_cell[cell].tolist():
                hidden_in[other] += 1
                if hidden_in[other] == 1:
                    queue.append(other)
    return hidden


def _published(counts: np.ndarray, labels: bytearray) -> list[Published]:
    shown = (None, Published(None, SMALL_LABEL), Published(None, COMPLEMENT_LABEL))
    visible: dict[int, Published] = {}  # immutable: one per distinct count
    out = []
    for count, label in zip(counts.tolist(), labels, strict=True):
        if label:
            out.append(shown[label])
        else:
            out.append(visible.get(count) or visible.setdefault(count, Published(count, str(count))))
    return out


def sort_key(key: tuple) -> tuple:
    return tuple("" if v is None else str(v) for v in key)


DEMO_FILTERS = ("include", "exclude", "only")  # all signals (with the demo share), real only, demo only


def check_demo_filter(value: str | None) -> str:
    if value is None or value == "":
        return "include"
    if value not in DEMO_FILTERS:
        raise InvalidInput(f"demo must be one of {', '.join(DEMO_FILTERS)}, got {value[:20]!r}")
    return value


def pick(all_n: int, demo_n: int, demo_filter: str) -> int:
    """The count a report shows under the demo filter."""
    if demo_filter == "only":
        return demo_n
    if demo_filter == "exclude":
        return all_n - demo_n
    return all_n


def suppress_split(cells: dict[tuple, int], demo_cells: dict[tuple, int]) -> dict[tuple, tuple]:
    """Suppress the all / real / demo versions of every cell together.

    cells: all signals per cell; demo_cells: the demo signals among them. Returns
    {cell: (Published all, Published real, Published demo)}. The three versions are one extra dimension
    of one table, so `suppress` protects every line along it (a cell's real and demo counts add up to
    its total: when one of the three is hidden, so is another) and every line along the other dimensions
    for each version (the real counts of one month over the communes, ...). One table, because a figure
    hidden for one version's sake must not be given away by the others (e.g. a hidden demo count as total
    minus a real count of 0). Without demo signals the result is what `suppress(cells)` alone gives.
    """
    zero = Published(0, "0")
    if not any(demo_cells.values()):
        plain = suppress(cells)
        return {k: (p, p, zero) for k, p in plain.items()}
    keys = list(cells)
    n = np.fromiter(cells.values(), dtype=np.int64, count=len(keys))
    d = np.fromiter((demo_cells.get(k, 0) for k in keys), dtype=np.int64, count=len(keys))
    # One row per cell and version (all, real, demo), in cell order; a version with no signal is absent.
    versions = np.stack([n, n - d, d], axis=1).reshape(-1)
    present = versions > 0
    base = _codes(keys)
    codes = np.concatenate([np.repeat(base, 3, axis=0), np.tile([[0], [1], [2]], (len(keys), 1))], axis=1)
    labels = _hidden_labels(codes[present], versions[present])
    shown = iter(_published(versions[present], labels))
    flags = present.tolist()
    triples = [next(shown) if flags[j] else zero for j in range(len(flags))]
    return {k: (triples[3 * i], triples[3 * i + 1], triples[3 * i + 2]) for i, k in enumerate(keys)}


def publish_split(all_n: int, demo_n: int) -> tuple:
    """A total and its demo part, suppressed together: (Published all, Published real, Published demo)."""
    return suppress_split({(): all_n}, {(): demo_n})[()] if all_n else _zeros()


def _zeros() -> tuple:
    zero = Published(0, "0")
    return zero, zero, zero
