"""An ERP export (German CSV dialect, own column names) loaded through a TOML mapping."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.warehouse.conftest import AS_OF, quarantined, write_folder
from warehouse import LoadError, bucket_demand, load_config, load_folder

EXPORT = """\
Belegnr;Pos;Belegdatum;Artikelnr;Menge;Einzelpreis;Kunde;Status
RE-1001;1;04.03.2024;A;10;3,50;K1;gebucht
RE-1001;2;04.03.2024;FRACHT-DE;1;12,00;K1;gebucht
RE-1002;1;12.03.2024;A;1.000;3,20;K2;gebucht
RE-1003;1;13.03.2024;B;4;6,00;K3;storniert
RE-1001;3;20.03.2024;A;-3;3,50;K1;gebucht
RE-1004;1;26.03.2024;B;2,5;6,00;K4;gebucht
GS-2001;1;27.03.2024;B;-1;6,00;K5;gebucht
"""

CONFIG = """\
[order_lines]
files = "Auftragspositionen*.csv"
delimiter = ";"
decimal = ","
date_format = "%d.%m.%Y"
cancelled_column = "Status"
cancelled_values = ["storniert"]
exclude_skus = ["FRACHT*", "VERP-*"]
returns = "{returns}"

[order_lines.columns]
order_id = "Belegnr"
{line}order_date = "Belegdatum"
sku = "Artikelnr"
quantity = "Menge"
unit_price = "Einzelpreis"
customer = "Kunde"
"""


def _erp_folder(tmp_path: Path, returns: str = "net", with_line: bool = True):
    folder = write_folder(tmp_path / "in", order_lines__csv=None)
    (folder / "Auftragspositionen_2024-03.csv").write_text(EXPORT, encoding="utf-8")
    text = CONFIG.format(returns=returns, line='line = "Pos"\n' if with_line else "")
    (tmp_path / "load.toml").write_text(text)
    return folder, load_config(tmp_path / "load.toml")


def _demand(con, freq: str = "W") -> list[tuple[str, date, float]]:
    frame = bucket_demand(con, AS_OF, freq)
    return [(u, pd.Timestamp(d).date(), y) for u, d, y in frame.itertuples(index=False)]


def test_erp_export_loads_with_mapping_exclusions_and_decimal_comma(con, tmp_path):
    folder, config = _erp_folder(tmp_path)
    report = load_folder(con, folder, AS_OF, config)
    (entry,) = [f for f in report.files if f.table == "order_lines"]
    assert (entry.file, entry.rows_read, entry.rows_loaded) == (
        "Auftragspositionen_2024-03.csv",
        7,
        5,
    )
    assert (entry.rows_excluded, entry.rows_quarantined) == (2, 0)
    assert quarantined(con, "order_lines") == []
    rows = con.execute(
        "SELECT order_id, line, order_date, sku, quantity, unit_price, customer FROM order_lines "
        "ORDER BY order_id, line"
    ).fetchall()
    assert rows[0] == ("GS-2001", 1, date(2024, 3, 27), "B", -1.0, 6.0, "K5")
    assert ("RE-1002", 1, date(2024, 3, 12), "A", 1000.0, 3.2, "K2") in rows
    assert ("RE-1004", 1, date(2024, 3, 26), "B", 2.5, 6.0, "K4") in rows


def test_erp_export_demand_nets_the_return_against_the_original_week(con, tmp_path):
    folder, config = _erp_folder(tmp_path)
    load_folder(con, folder, AS_OF, config)
    assert _demand(con) == [
        ("A", date(2024, 3, 4), 7.0),  # 10 sold, 3 returned on 20 March against this line
        ("A", date(2024, 3, 11), 1000.0),
        ("A", date(2024, 3, 18), 0.0),
        ("A", date(2024, 3, 25), 0.0),
        ("B", date(2024, 3, 25), 1.5),  # credit note without an original: its own week
    ]


def test_erp_export_with_returns_ignored_drops_credit_lines(con, tmp_path):
    folder, config = _erp_folder(tmp_path, returns="ignore")
    report = load_folder(con, folder, AS_OF, config)
    (entry,) = [f for f in report.files if f.table == "order_lines"]
    assert (entry.rows_loaded, entry.rows_excluded) == (3, 4)
    assert _demand(con, "M") == [("A", date(2024, 3, 1), 1010.0), ("B", date(2024, 3, 1), 2.5)]


def test_erp_export_without_line_column_numbers_lines_within_the_order(con, tmp_path):
    folder, config = _erp_folder(tmp_path, with_line=False)
    load_folder(con, folder, AS_OF, config)
    lines = con.execute(
        "SELECT line, quantity FROM order_lines WHERE order_id = 'RE-1001' ORDER BY line"
    ).fetchall()
    assert lines == [(1, 10.0), (3, -3.0)]  # line 2 was freight, numbered but excluded


CREDIT_EXPORT = """\
Belegnr;Pos;Belegart;Belegdatum;Artikelnr;Menge;Status
RE-1001;1;Rechnung;04.03.2024;A;10;gebucht
GS-2001;1;Gutschrift;06.03.2024;A;3;gebucht
GS-2002;1; gs ;27.03.2024;B;-1;gebucht
GS-2003;1;GS;27.03.2024;B;2;storniert
RE-1002;1;Rechnung;27.03.2024;B;4;gebucht
"""

CREDIT_CONFIG = """\
[order_lines]
files = "Auftragspositionen*.csv"
delimiter = ";"
date_format = "%d.%m.%Y"
cancelled_column = "Status"
cancelled_values = ["storniert"]
credit_column = "{column}"
credit_values = ["Gutschrift", "GS"]
returns = "{returns}"

[order_lines.columns]
order_id = "Belegnr"
line = "Pos"
order_date = "Belegdatum"
sku = "Artikelnr"
quantity = "Menge"
"""


def _credit_folder(tmp_path: Path, returns: str = "net", column: str = "Belegart"):
    folder = write_folder(tmp_path / "in", order_lines__csv=None)
    (folder / "Auftragspositionen_2024-03.csv").write_text(CREDIT_EXPORT, encoding="utf-8")
    (tmp_path / "load.toml").write_text(CREDIT_CONFIG.format(returns=returns, column=column))
    return folder, load_config(tmp_path / "load.toml")


def test_a_credit_note_by_document_type_is_stored_negative_and_nets_out(con, tmp_path):
    """GS-2001 is a credit note (Belegart 'Gutschrift') of 3 units written positive, as many
    ERPs export them: it loaded as a sale of 3, and the month's demand of A was 13, not 7. A
    credit written negative stays negative; a cancelled one is excluded as before."""
    folder, config = _credit_folder(tmp_path)
    report = load_folder(con, folder, AS_OF, config)
    (entry,) = [f for f in report.files if f.table == "order_lines"]
    assert (entry.rows_loaded, entry.rows_excluded, entry.rows_quarantined) == (4, 1, 0)
    rows = con.execute("SELECT order_id, quantity FROM order_lines ORDER BY order_id").fetchall()
    assert rows == [("GS-2001", -3.0), ("GS-2002", -1.0), ("RE-1001", 10.0), ("RE-1002", 4.0)]
    assert _demand(con, "M") == [("A", date(2024, 3, 1), 7.0), ("B", date(2024, 3, 1), 3.0)]
    assert (
        "Auftragspositionen_2024-03.csv: 2 lines credited by Belegart (Gutschrift, GS): stored "
        "with a negative quantity (1 written positive), netted against demand as returns"
    ) in report.notes


def test_credit_notes_by_document_type_are_dropped_when_returns_are_ignored(con, tmp_path):
    folder, config = _credit_folder(tmp_path, returns="ignore")
    report = load_folder(con, folder, AS_OF, config)
    (entry,) = [f for f in report.files if f.table == "order_lines"]
    assert (entry.rows_loaded, entry.rows_excluded) == (2, 3)  # 2 credits, 1 cancelled
    assert _demand(con, "M") == [("A", date(2024, 3, 1), 10.0), ("B", date(2024, 3, 1), 4.0)]
    assert (
        "Auftragspositionen_2024-03.csv: 2 lines credited by Belegart (Gutschrift, GS): "
        'excluded, as returns = "ignore" drops credits'
    ) in report.notes


QUARANTINED_CREDITS = (
    CREDIT_EXPORT
    + """\
GS-2004;1;Gutschrift;31.02.2024;A;2;gebucht
GS-2005;1;GS;28.03.2024;ZZ;1;gebucht
"""
)


@pytest.mark.parametrize(
    "returns, done",
    [
        ("net", "stored with a negative quantity (1 written positive), netted against demand "
                "as returns"),
        ("ignore", 'excluded, as returns = "ignore" drops credits'),
    ],
)  # fmt: skip
def test_credit_notes_in_quarantine_are_not_counted_as_netted(con, tmp_path, returns, done):
    """GS-2004 (31 February) and GS-2005 (unknown sku ZZ) are credit notes the load sends to
    quarantine: the note said 4 lines were netted (or dropped) while 2 of them were not."""
    folder, config = _credit_folder(tmp_path, returns=returns)
    path = folder / "Auftragspositionen_2024-03.csv"
    path.write_text(QUARANTINED_CREDITS, encoding="utf-8")
    report = load_folder(con, folder, AS_OF, config)
    (entry,) = [f for f in report.files if f.table == "order_lines"]
    assert entry.rows_quarantined == 2
    assert (
        "Auftragspositionen_2024-03.csv: 2 lines credited by Belegart (Gutschrift, GS): "
        f"{done}; 2 more credit lines are in quarantine"
    ) in report.notes


def test_credit_notes_all_in_quarantine_are_said_so(con, tmp_path):
    folder, config = _credit_folder(tmp_path)
    path = folder / "Auftragspositionen_2024-03.csv"
    path.write_text(QUARANTINED_CREDITS.replace(";Gutschrift;06", ";Rechnung;06").replace(
        "; gs ;", ";Rechnung;"), encoding="utf-8")  # fmt: skip
    report = load_folder(con, folder, AS_OF, config)
    assert (
        "Auftragspositionen_2024-03.csv: 2 lines credited by Belegart (Gutschrift, GS), all "
        "in quarantine: none is netted against demand"
    ) in report.notes


def test_a_credit_column_the_export_does_not_have_is_named(con, tmp_path):
    folder, config = _credit_folder(tmp_path, column="Dokumentart")
    named = r"Auftragspositionen_2024-03.csv: missing column Dokumentart \(found: Belegnr, Pos"
    with pytest.raises(LoadError, match=named):
        load_folder(con, folder, AS_OF, config)


def test_a_mapped_column_no_export_has_stops_the_load_naming_it(con, tmp_path):
    """customer mapped to 'Kundennr' while the export's column is 'Kunde': every line loaded
    without a customer and nothing said so (a required column is refused by name)."""
    folder, _ = _erp_folder(tmp_path)
    text = CONFIG.format(returns="net", line='line = "Pos"\n').replace('"Kunde"', '"Kundennr"')
    (tmp_path / "load.toml").write_text(text)
    with pytest.raises(LoadError) as error:
        load_folder(con, folder, AS_OF, load_config(tmp_path / "load.toml"))
    assert str(error.value) == (
        "Auftragspositionen_2024-03.csv: missing column Kundennr (columns no setting reads: "
        "Kunde), mapped as customer = 'Kundennr' under [order_lines.columns] in load.toml: "
        "check the spelling, or remove the mapping if the export has no such column (nothing "
        "was loaded)"
    )
    assert con.execute("SELECT count(*) FROM loads").fetchone() == (0,)


def test_an_export_without_a_mapped_column_others_have_loads_with_a_note(con, tmp_path):
    """A later export without the customer column (others have it) loads, its lines without
    a customer, and the load names the file, our column and the export's."""
    folder, config = _erp_folder(tmp_path)
    later = "Belegnr;Pos;Belegdatum;Artikelnr;Menge;Einzelpreis;Status\n"
    later += "RE-1005;1;28.03.2024;A;2;3,50;gebucht\n"
    (folder / "Auftragspositionen_2024-04.csv").write_text(later, encoding="utf-8")
    note = (
        "Auftragspositionen_2024-04.csv: no column Kunde (customer = 'Kunde' under "
        "[order_lines.columns] in load.toml): its lines load without customer"
    )
    report = load_folder(con, folder, AS_OF, config)
    assert note in report.notes
    assert not any("Auftragspositionen_2024-03.csv: no column" in n for n in report.notes)
    row = con.execute("SELECT customer FROM order_lines WHERE order_id = 'RE-1005'").fetchone()
    assert row == (None,)
    # the next night reads only the new file: it lacks the column, and others have it
    (folder / "Auftragspositionen_2024-04.csv").unlink()
    (folder / "Auftragspositionen_2024-05.csv").write_text(later, encoding="utf-8")
    report = load_folder(con, folder, AS_OF, config)
    assert note.replace("2024-04", "2024-05") in report.notes
