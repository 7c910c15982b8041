"""Small-cell suppression: no count of 1-4 is ever published, and no hidden cell can be recovered by
subtracting the visible cells of a line (or of the whole table) from its total."""

import random
from collections import defaultdict
from itertools import product

from api.signals.suppression import COMPLEMENT_LABEL, SMALL_LABEL, publish, suppress


def _hidden(published):
    return {k for k, p in published.items() if p.count is None}


def _assert_no_line_reveals_one_cell(cells, published):
    width = len(next(iter(cells)))
    groupings = [lambda k, d=d: k[:d] + k[d + 1 :] for d in range(width)] + [lambda k: ()]
    for line_of in groupings:
        lines = defaultdict(list)
        for k in cells:
            lines[line_of(k)].append(k)
        for members in lines.values():
            hidden = [k for k in members if published[k].count is None]
            visible = [k for k in members if published[k].count is not None]
            # One hidden cell next to visible ones: total - visible would give it away.
            assert not (len(hidden) == 1 and visible), (members, hidden)


def test_counts_under_five_are_shown_as_less_than_five():
    published = suppress({("a",): 1, ("b",): 4, ("c",): 5, ("d",): 12})
    assert published[("a",)].display == SMALL_LABEL and published[("a",)].count is None
    assert published[("b",)].display == SMALL_LABEL
    assert published[("c",)].count == 5 and published[("c",)].display == "5"
    assert published[("d",)].count == 12


def test_a_single_small_cell_gets_a_complement_so_the_total_does_not_reveal_it():
    # Total 13 is published; with 10 visible, the hidden 3 would be obvious.
    published = suppress({("schaarbeek",): 3, ("anderlecht",): 10, ("elsene",): 25})
    assert published[("schaarbeek",)].display == SMALL_LABEL
    assert published[("anderlecht",)].display == COMPLEMENT_LABEL  # the smallest visible cell
    assert published[("elsene",)].count == 25


def test_two_small_cells_need_no_complement():
    published = suppress({("a",): 3, ("b",): 2, ("c",): 9})
    assert published[("c",)].count == 9
    assert _hidden(published) == {("a",), ("b",)}


def test_a_small_cell_alone_in_its_lines_is_protected_through_the_whole_table():
    # type x commune: (knelpunt, B) is alone in its row and its column, but total - visible = 3.
    cells = {("unmet_need", "A"): 10, ("knelpunt", "B"): 3}
    published = suppress(cells)
    assert _hidden(published) == set(cells)


def test_complements_hold_in_every_dimension_of_random_tables():
    rng = random.Random(11)
    for _ in range(200):
        dims = [range(rng.randint(1, 4)) for _ in range(rng.randint(1, 3))]
        cells = {k: n for k in product(*dims) if (n := rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 20, 40]))}
        if not cells:
            continue
        published = suppress(cells)
        assert all(p.count is None for k, p in published.items() if cells[k] < 5)
        assert all(p.count in (None, cells[k]) for k, p in published.items())
        _assert_no_line_reveals_one_cell(cells, published)


def test_totals_follow_the_same_rule():
    assert publish(4).display == SMALL_LABEL and publish(4).count is None
    assert publish(5).count == 5
    assert publish(0).count == 0


def test_empty_table():
    assert suppress({}) == {}
