"""`-f xlsx`: records as an Excel workbook, written row by row (XlsxWriter, an optional extra).

A sheet is where ids lose their digits and text turns into formulas when a CSV is opened; a
workbook says what each cell is instead. Every JSON string is a text cell (ids, zip codes like
02139, phone numbers, dates in ISO form), only JSON numbers are numbers (and those of more than
15 digits, which a sheet would round, are text), lists are joined with "; ", and nothing is ever
a formula, so no guard apostrophe is needed. The header row is bold and frozen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from clodura_cli.base.encoding import whole
from clodura_cli.store.cells import (
    ALL_FIELDS,
    WriteOptions,
    cell,
    header_for,
    header_without_records,
)

#: The most characters a cell holds (Excel's limit; LibreOffice's is larger).
MAX_CELL = 32_767
#: The largest integer a sheet keeps exactly (15 significant digits).
_EXACT = 10**15
_SHEET = "clodura"
_WIDEST = 60


class WorkbookWriter:
    """One sheet: a bold, frozen header row, then a row per record, flushed as it goes
    (constant memory), and the workbook assembled into ``stream`` (bytes) on close."""

    def __init__(self, stream: Any, fields: Sequence[str] | None, options: WriteOptions) -> None:
        import xlsxwriter  # type: ignore[import-untyped]  # the xlsx extra; checked before use

        self._book = xlsxwriter.Workbook(
            stream,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self._sheet = self._book.add_worksheet(_SHEET)
        self._bold = self._book.add_format({"bold": True})
        self._fields = None if fields is None or list(fields) == [ALL_FIELDS] else list(fields)
        self._options = options
        self._row = 0
        self._cut = 0

    def write(self, record: dict[str, Any]) -> None:
        if self._row == 0:
            self._header(self._fields or header_for(record, self._options.people), record)
        assert self._fields is not None
        row, sheet = self._row, self._sheet
        for column, name in enumerate(self._fields):
            value = record.get(name)
            if value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if math.isfinite(value) and abs(value) < _EXACT:
                    sheet.write_number(row, column, value)
                    continue
                value = repr(value) if isinstance(value, float) else str(value)
            elif isinstance(value, bool):
                sheet.write_boolean(row, column, value)
                continue
            sheet.write_string(row, column, self._fit(whole(cell(value))))
        self._row += 1

    def _header(self, fields: Sequence[str], first: dict[str, Any] | None) -> None:
        self._fields = list(fields)
        for column, name in enumerate(self._fields):
            self._sheet.write_string(0, column, whole(name), self._bold)
            sample = cell(first.get(name)) if first else ""
            self._sheet.set_column(column, column, min(_WIDEST, max(len(name), len(sample)) + 2))
        self._sheet.freeze_panes(1, 0)
        self._row = 1

    def _fit(self, text: str) -> str:
        if len(text) <= MAX_CELL:
            return text
        self._cut += 1
        return text[:MAX_CELL]

    def close(self) -> None:
        if self._row == 0:
            # A new file with no record still has its header; elsewhere, the columns asked.
            empty = header_without_records(self._options) if self._options.empty_header else None
            fields = self._fields or empty
            if fields:
                self._header(fields, None)
        self._book.close()
        if self._cut and self._options.warn is not None:
            self._options.warn(
                f"xlsx: {self._cut} cell(s) longer than the {MAX_CELL:,} characters a sheet "
                "holds were cut; -f jsonl keeps them whole"
            )
