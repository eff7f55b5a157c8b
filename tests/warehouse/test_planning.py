"""Which items a run plans: the --items and --category filters."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse.conftest import AS_OF, BASE, write_folder
from warehouse import load_folder
from warehouse.planning import select_skus


def test_category_matches_in_any_case_and_a_wrong_one_lists_the_known(con, tmp_path: Path):
    """`--category Fasteners` said `no item matches skus=None category='Fasteners'`: case
    mattered, Python leaked into the message, and the known categories were not named."""
    load_folder(con, write_folder(tmp_path / "in"), AS_OF)
    assert select_skus(con) is None
    assert select_skus(con, category=" Fasteners") == ["A", "B"]
    assert select_skus(con, skus=["B"], category="fasteners") == ["B"]
    with pytest.raises(ValueError, match=r"no item has category 'bolts' \(known: fasteners\)"):
        select_skus(con, category="bolts")
    with pytest.raises(ValueError, match=r"unknown sku Z; skus match exactly"):
        select_skus(con, skus=["Z"])
    with pytest.raises(ValueError, match=r"unknown skus Z, a \(items has A\); skus match"):
        select_skus(con, skus=["a", "B", "Z"])


def test_an_item_without_category_matches_no_category(con, tmp_path: Path):
    """An empty category matched --category none (its text 'None') and was listed as the
    known category 'None'."""
    items = BASE["items.csv"].replace("B,Nut M8,fasteners,", "B,Nut M8,,")
    load_folder(con, write_folder(tmp_path / "in", items__csv=items), AS_OF)
    with pytest.raises(ValueError, match=r"no item has category 'none' \(known: fasteners\)"):
        select_skus(con, category="none")
    assert select_skus(con, category="fasteners") == ["A"]
    con.execute("UPDATE items SET category = NULL")
    with pytest.raises(ValueError, match=r"category 'fasteners' \(no item has a category\)"):
        select_skus(con, category="fasteners")


def test_a_sku_outside_the_category_is_named_in_the_singular(con, tmp_path: Path):
    """One sku outside the category read 'none of the skus A has category ...'."""
    items = BASE["items.csv"].replace("B,Nut M8,fasteners,", "B,Nut M8,nuts,")
    load_folder(con, write_folder(tmp_path / "in", items__csv=items), AS_OF)
    with pytest.raises(ValueError, match=r"items filter: sku A does not have category 'nuts'$"):
        select_skus(con, skus=["A"], category="nuts")
    assert select_skus(con, skus=["A", "B"], category="nuts") == ["B"]
