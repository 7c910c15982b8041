"""Small-cell suppression of published counts.

`record_signal` is called in-process by the bot's actions and by the API; it never lets a database
failure reach a conversation (it logs and returns None). Invalid input is a ValueError (422 at the API).

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

from operator import itemgetter
from typing import NamedTuple

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
    A line is the set of cells equal in every dimension but one, or the whole table. Whenever a line holds
    exactly one hidden cell, its smallest visible cell is hidden too; that can make another line hold one
    hidden cell, so this runs as a work queue until no line does. Linear in the number of cells (times the
    number of dimensions), which keeps a report over a million signals well under a second.
    """
    if not cells:
        return {}
    keys = list(cells)
    counts = list(cells.values())
    hidden = bytearray(len(keys))  # 0 visible, 1 small cell, 2 complement
    width = len(keys[0])
    # Line of a cell along dimension d: its key without element d; along `width`: the whole table.
    line_key = [itemgetter(*[x for x in range(width) if x != d]) for d in range(width)] if width > 1 else []
    if width == 1:
        line_key = [lambda _k: ()]
    # Lines are numbered; line_of[d][i] is the number of cell i's line along d (plain ints: hide() runs
    # for every hidden cell, and tuple keys made it most of a large report's time).
    smallest_first = sorted(range(len(keys)), key=counts.__getitem__)  # stable: ties in cell order
    members: list[list[int]] = []  # line number -> its cells, smallest first
    line_of: list[list[int]] = []
    for get in line_key:
        line_keys = list(map(get, keys))
        number = {lk: n for n, lk in enumerate(dict.fromkeys(line_keys), start=len(members))}
        ids = [number[lk] for lk in line_keys]
        members.extend([] for _ in range(len(number)))
        for i in smallest_first:
            members[ids[i]].append(i)
        line_of.append(ids)
    line_of.append([len(members)] * len(keys))
    members.append(smallest_first)
    hidden_in = [0] * len(members)
    first_visible: dict[int, int] = {}  # line -> index in members[line] of its first maybe visible cell
    queue: list[int] = []

    def hide(i: int, label: int) -> None:
        hidden[i] = label
        for ids in line_of:
            line = ids[i]
            hidden_in[line] += 1
            if hidden_in[line] == 1:
                queue.append(line)

    for i, n in enumerate(counts):
        if 0 < n < SMALL_CELL:
            hide(i, 1)
    while queue:
        line = queue.pop()
        if hidden_in[line] != 1:
            continue
        ordered = members[line]
        if len(ordered) < 2:
            continue  # a lone cell: the line's total is the cell itself, published by the same rule
        i = first_visible.get(line, 0)
        while i < len(ordered) and hidden[ordered[i]]:
            i += 1
        first_visible[line] = i
        if i < len(ordered):
            hide(ordered[i], 2)
    shown = (None, Published(None, SMALL_LABEL), Published(None, COMPLEMENT_LABEL))
    visible = {n: Published(n, str(n)) for n in set(counts)}  # immutable: share one per distinct count
    return {k: shown[hidden[i]] if hidden[i] else visible[counts[i]] for i, k in enumerate(keys)}


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
    table: dict[tuple, int] = {}
    for key, n in cells.items():
        d = demo_cells.get(key, 0)
        table[(*key, "all")] = n
        if n - d:
            table[(*key, "real")] = n - d
        if d:
            table[(*key, "demo")] = d
    shown = suppress(table)
    return {k: (shown[(*k, "all")], shown.get((*k, "real"), zero), shown.get((*k, "demo"), zero)) for k in cells}


def publish_split(all_n: int, demo_n: int) -> tuple:
    """A total and its demo part, suppressed together: (Published all, Published real, Published demo)."""
    return suppress_split({(): all_n}, {(): demo_n})[()] if all_n else _zeros()


def _zeros() -> tuple:
    zero = Published(0, "0")
    return zero, zero, zero
