"""ERP export example: an order line export in German ERP style and the config reading it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from warehouse.demo.catalog import draw_items
from warehouse.demo.demand import N_CUSTOMERS
from warehouse.demo.streams import stream


@dataclass(frozen=True)
class ErpExample:
    """What `write_erp_example` wrote; `rows` counts data rows of the export."""

    export: Path
    config: Path
    rows: int
    cancelled_rows: int  # lines of the cancelled ("STORNO") invoice
    excluded_rows: int  # freight lines
    credit_rows: int  # lines with negative quantity


_ERP_COLUMNS = {  # our name -> the export's (German) name
    "order_id": "Belegnr",
    "line": "Pos",
    "order_date": "Belegdatum",
    "sku": "Artikelnr",
    "quantity": "Menge",
    "unit_price": "Einzelpreis",
    "customer": "Kundennr",
}
_ERP_CONFIG = """\
# How to read the ERP's order line export (see warehouse/config.py).
[order_lines]
files = ["Auftragspositionen_*.csv"]
delimiter = ";"
decimal = ","
date_format = "%d.%m.%Y"
encoding = "cp1252"
cancelled_column = "Status"
cancelled_values = ["STORNO"]
exclude_skus = ["FRACHT"]
returns = "net"

[order_lines.columns]
{columns}
"""


def _erp_invoices(rng: np.random.Generator, items: pd.DataFrame, as_of: date) -> list[dict]:
    """12 invoices of 1-4 lines from the last three weeks of business days before `as_of`."""
    pool = items[items.pattern.isin(["smooth", "erratic", "ramp_up"])]
    pool = pool if len(pool) >= 4 else items
    end = np.datetime64(as_of, "D")
    dates = np.sort(np.busday_offset(end, -rng.integers(3, 16, 12), roll="backward"))
    first = int(rng.integers(10000, 60000))
    rows = []
    for k, day in enumerate(dates):
        chosen = rng.choice(len(pool), size=min(len(pool), int(rng.integers(1, 5))), replace=False)
        customer = f"C-{1001 + int(rng.integers(N_CUSTOMERS))}"
        for pos, j in enumerate(np.sort(chosen), start=1):
            item = pool.iloc[int(j)]
            rows.append(
                {
                    "Belegnr": f"RE-{as_of.year}-{first + k:05d}",
                    "Pos": pos,
                    "Belegdatum": day,
                    "Artikelnr": item.sku,
                    "Bezeichnung": item.description,
                    "Menge": max(1, round(item.size_factor * rng.uniform(1, 6))),
                    "Einheit": "Stk",
                    "Einzelpreis": round(item.sale_price * rng.uniform(0.95, 1.0), 2),
                    "Kundennr": customer,
                    "Status": "gebucht",
                }
            )
    return rows


def _erp_specials(rows: list[dict], as_of: date) -> tuple[list[dict], int]:
    """Cancel the 5th invoice, add a freight line to the 3rd and a credit for the 1st.

    Returns all rows and the number of cancelled lines.
    """
    invoices = list(dict.fromkeys(r["Belegnr"] for r in rows))
    cancelled = [r for r in rows if r["Belegnr"] == invoices[4]]
    for row in cancelled:
        row["Status"] = "STORNO"
    freight_on = [r for r in rows if r["Belegnr"] == invoices[2]]
    freight = {**freight_on[-1], "Pos": freight_on[-1]["Pos"] + 1, "Artikelnr": "FRACHT"}
    freight.update(Bezeichnung="Frachtkosten Spedition", Menge=1, Einheit="psch")
    freight["Einzelpreis"] = 48.5
    credited = [r for r in rows if r["Belegnr"] == invoices[0]]
    credit_day = np.busday_offset(credited[0]["Belegdatum"], 2, roll="forward")
    credit = {**credited[0], "Pos": credited[-1]["Pos"] + 1, "Menge": -1}
    credit.update(Belegdatum=min(credit_day, np.datetime64(as_of, "D")))
    credit["Bezeichnung"] = f"Gutschrift Rücksendung {credited[0]['Bezeichnung']}"
    return [*rows, freight, credit], len(cancelled)


def _erp_text(rows: list[dict]) -> pd.DataFrame:
    """German number and date formats: decimal comma, dd.mm.yyyy."""
    frame = pd.DataFrame(rows)
    frame["Belegdatum"] = pd.to_datetime(frame.Belegdatum).dt.strftime("%d.%m.%Y")
    frame["Einzelpreis"] = [f"{p:.2f}".replace(".", ",") for p in frame.Einzelpreis]
    return frame.astype(str)


def write_erp_example(folder: Path, as_of: date, seed: int = 7, n_items: int = 300) -> ErpExample:
    """Write an ERP-style order line export and the `load.toml` that reads it into `folder`.

    German column names, `;` delimiter, decimal comma, cp1252, CRLF line ends, one cancelled
    invoice, one freight line and one credit line. The skus are those of
    `write_demo_data(..., seed=seed, n_items=n_items)`. Write it into that demo data folder: the
    loader takes the master files from there; the default config ignores the export (it reads
    `order_lines*.csv`) and this `load.toml` reads only the export.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items, _ = draw_items(seed, n_items, as_of)
    rows, cancelled = _erp_specials(_erp_invoices(stream(seed, "erp"), items, as_of), as_of)
    frame = _erp_text(rows)
    export = folder / f"Auftragspositionen_{as_of:%Y%m%d}.csv"
    frame.to_csv(export, sep=";", index=False, lineterminator="\r\n", encoding="cp1252")
    columns = "\n".join(f'{ours} = "{theirs}"' for ours, theirs in _ERP_COLUMNS.items())
    config = folder / "load.toml"
    config.write_text(_ERP_CONFIG.format(columns=columns), encoding="utf-8")
    return ErpExample(
        export=export,
        config=config,
        rows=len(frame),
        cancelled_rows=cancelled,
        excluded_rows=int((frame.Artikelnr == "FRACHT").sum()),
        credit_rows=int(frame.Menge.astype(int).lt(0).sum()),
    )
