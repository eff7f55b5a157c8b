"""Which text encoding a CSV file is read with: the configured one, unless the bytes say
otherwise (or that it is no text at all: a workbook, a binary file). Excel saves CSV in the
Windows code page (cp1252 in Western Europe) and ERPs mostly write UTF-8, so one folder often
holds both; a night should not stop over an umlaut, nor turn "für" into "fÃ¼r" in another
file, without saying so."""

from __future__ import annotations

import codecs
from pathlib import Path

FALLBACK = "cp1252"  # what Excel's "CSV" writes on Western European Windows
_BLOCK = 1 << 20
# how workbooks start, which no text does: a zip archive (.xlsx, .ods) and an OLE2 file (.xls)
WORKBOOKS = {b"PK\x03\x04": ".xlsx", bytes.fromhex("d0cf11e0a1b11ae1"): ".xls"}
# byte order marks of the text encodings whose characters hold NUL bytes
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _decodes(path: Path, encoding: str) -> tuple[bool, bool]:
    """(every byte decodes as `encoding` and none is NUL, some byte is not ASCII), read in
    blocks. NUL bytes are binary or UTF-16 (Excel's "Unicode text"), never cp1252 text."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    non_ascii = False
    with path.open("rb") as handle:
        try:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                non_ascii = non_ascii or not block.isascii()
                if b"\x00" in block:
                    return False, non_ascii
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, True
    return True, non_ascii


def workbook(path: Path) -> str | None:
    """Why `path` is no text CSV when it starts as an Excel workbook does (None otherwise):
    no encoding reads it, so none is to be suggested."""
    with path.open("rb") as handle:
        head = handle.read(8)
    for signature, suffix in WORKBOOKS.items():
        if head.startswith(signature):
            return (
                f"not a text CSV file: it starts like an Excel workbook ({suffix}): save it as CSV"
            )
    return None


def binary(path: Path) -> str | None:
    """Why `path`, whose text does not decode, is no text CSV at all: a NUL byte in its first
    block, which text holds only in UTF-16 or UTF-32 (with their byte order mark); None when
    it may be text in another encoding."""
    with path.open("rb") as handle:
        head = handle.read(_BLOCK)
    nul = head.find(b"\x00")
    if nul < 0 or head.startswith(_WIDE_BOMS):
        return None
    return f"not a text CSV file: byte {nul:,} is a NUL byte, as in binary files"


def has_bom(path: Path) -> bool:
    """A UTF-8 byte order mark: the file was written as UTF-8, so a byte that does not decode
    is an error to name, not a sign of cp1252 (which would read the mark as 'ï»¿')."""
    with path.open("rb") as handle:
        return handle.read(3) == codecs.BOM_UTF8


def _is_utf8(encoding: str) -> bool:
    return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")


def _sample(path: Path, encoding: str) -> str:
    """The first line with a character beyond ASCII, as `encoding` reads it (60 characters
    around it at most), so that a planner sees whether the guess reads right."""
    with path.open(encoding=encoding, errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            pos = next((i for i, ch in enumerate(line) if ord(ch) > 127), None)
            if pos is not None:
                start = max(0, pos - 30)
                return f"line {number}: {line[start : start + 60].strip()!r}"
    return ""


def choose(path: Path, configured: str, section: str) -> tuple[str, str | None]:
    """The encoding to read `path` with, and a note when it is not `configured`:
    a file configured as UTF-8 that is not, but is valid cp1252, is read as cp1252; a file
    configured otherwise whose bytes are valid UTF-8 with some beyond ASCII is read as UTF-8
    (text in another single-byte encoding almost never forms valid UTF-8). A file that starts
    with a UTF-8 byte order mark is read as UTF-8 whatever is configured (another encoding
    would make the mark part of the first column's name), its error naming the damaged byte.
    Otherwise the configured encoding, whose error (if any) names the byte."""
    utf8, non_ascii = _decodes(path, "utf-8-sig")
    if _is_utf8(configured):
        if utf8 or has_bom(path) or not _decodes(path, FALLBACK)[0]:
            return configured, None
        chosen, why = FALLBACK, "its bytes are not UTF-8"
    elif utf8 and non_ascii:
        chosen, why = "utf-8-sig", f"its text is UTF-8, which {configured} would misread"
    elif has_bom(path):  # damaged UTF-8: read as UTF-8, the error names the byte
        return "utf-8-sig", None
    else:
        return configured, None
    return chosen, (
        f"{path.name}: read as {_shown(chosen)}, not {_shown(configured)}: {why} "
        f"({_sample(path, chosen)}); if that text reads wrong, set `encoding` under "
        f"[{section}] in load.toml"
    )


def _shown(encoding: str) -> str:
    return "UTF-8" if _is_utf8(encoding) else encoding
