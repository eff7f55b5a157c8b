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


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[orders]\n", "'orders'"),
        ("[order_lines]\ndelimeter = ';'\n", "'order_lines.delimeter'"),
        ("[order_lines.columns]\nprice = 'Preis'\n", "'order_lines.columns.price'"),
        ("[master_files]\ndelimiter = ';'\n", "'master_files.delimiter'"),
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
        ("[order_lines]\ndelimiter = 1\n", "delimiter must be a string"),
        ("[order_lines]\nencoding = 'klingon'\n", "encoding 'klingon' is unknown"),
        ("[master_files]\nencoding = 'klingon'\n", "master_files.encoding 'klingon' is unknown"),
        ("[master_files]\nencoding = 1\n", "master_files.encoding must be a string"),
        ("[order_lines\n", "cannot be read"),
    ],
)
def test_bad_values_are_rejected(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, text))
