"""LoadConfig from TOML: defaults, full mapping, unknown keys and bad values rejected."""

from __future__ import annotations

import pytest

from warehouse import ConfigError, LoadConfig, load_config


def _write(tmp_path, text: str):
    path = tmp_path / "load.toml"
    path.write_text(text)
    return path


def test_no_file_gives_our_own_format():
    config = load_config(None)
    assert config == LoadConfig()
    assert config.files == ("order_lines*.csv", "order_lines*.parquet")
    assert (config.delimiter, config.decimal, config.date_format) == (",", ".", "%Y-%m-%d")
    assert config.source_column("sku") == "sku"


def test_full_section_is_read(tmp_path):
    path = _write(
        tmp_path,
        '[order_lines]\nfiles = ["a*.csv", "b*.csv"]\ndelimiter = ";"\ndecimal = ","\n'
        'exclude_skus = "FRACHT*"\n[order_lines.columns]\nsku = "Artikel"\n',
    )
    config = load_config(path)
    assert config.files == ("a*.csv", "b*.csv")
    assert config.exclude_skus == ("FRACHT*",)
    assert config.source_column("sku") == "Artikel"
    assert config.source_column("quantity") == "quantity"


def test_master_files_dialect_is_read(tmp_path):
    """Master files take their own delimiter, decimal and date_format; with a decimal comma
    the delimiter defaults to a semicolon, as Excel writes them."""
    config = load_config(
        _write(tmp_path, '[master_files]\ndecimal = ","\ndate_format = "%d.%m.%Y"\n')
    )
    assert (config.master_delimiter, config.master_decimal, config.master_date_format) == (
        ";",
        ",",
        "%d.%m.%Y",
    )
    assert (config.delimiter, config.decimal, config.date_format) == (",", ".", "%Y-%m-%d")
    config = load_config(_write(tmp_path, '[master_files]\ndelimiter = "\\t"\ndecimal = ","\n'))
    assert (config.master_delimiter, config.master_decimal) == ("\t", ",")
    defaults = LoadConfig()
    assert (defaults.master_delimiter, defaults.master_decimal) == (",", ".")
    # order lines too: the quarantine's hint says only 'set decimal = ","' under [order_lines],
    # and with the delimiter left at ',' that was refused as the same character
    config = load_config(_write(tmp_path, '[order_lines]\ndecimal = ","\n'))
    assert (config.delimiter, config.decimal) == (";", ",")
    assert (config.master_delimiter, config.master_decimal) == (",", ".")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[orders]\n", "'orders'"),
        ("[order_lines]\ndelimeter = ';'\n", "'order_lines.delimeter'"),
        ("[order_lines.columns]\nprice = 'Preis'\n", "'order_lines.columns.price'"),
        ("[master_files]\nfiles = 'items*.csv'\n", "'master_files.files'"),
    ],
)
def test_unknown_key_is_named(tmp_path, text, key):
    with pytest.raises(ConfigError, match=f"unknown key {key}"):
        load_config(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[order_lines]\ndecimal = ';'\n", "decimal must be"),
        ("[order_lines]\nreturns = 'keep'\n", "returns must be"),
        ("[order_lines]\ncancelled_column = 'Status'\n", "cancelled_values is needed"),
        ("[order_lines]\ncredit_column = 'Belegart'\n", "credit_values is needed"),
        ("[order_lines]\ncredit_column = 1\n", "credit_column must be a string"),
        ("[order_lines]\ncredit_values = [1]\n", "credit_values must be a string or a list"),
        ("[order_lines]\ndelimiter = 1\n", "delimiter must be a string"),
        ("[order_lines]\nencoding = 'klingon'\n", "encoding 'klingon' is unknown"),
        ("[master_files]\nencoding = 'klingon'\n", "master_files.encoding 'klingon' is unknown"),
        ("[master_files]\nencoding = 1\n", "master_files.encoding must be a string"),
        ("[master_files]\ndelimiter = 1\n", "master_files.delimiter must be a string"),
        ("[master_files]\ndecimal = ';'\n", r"master_files.decimal must be '\.' or ','"),
        ("[master_files]\ndelimiter = ';;'\n", "master_files.delimiter must be one character"),
        ("[master_files]\ndecimal = ','\ndelimiter = ','\n", "must differ"),
        ("[master_files]\ndate_format = 'dd.mm.yyyy'\n", "master_files.date_format 'dd"),
        ("[order_lines\n", "cannot be read"),
    ],
)
def test_bad_values_are_rejected(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))
