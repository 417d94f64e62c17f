"""Problems found in an input, and the report that lists them all at once.

A :class:`Problem` is one error (the input cannot be used) or one warning (the input can be
used but a person should look at it). Each problem names the file, the row as the user sees
it in Excel or a text editor (the header is row 1, the first data row is row 2), the column
header as written in the user's file, and a plain-English sentence.

A :class:`ValidationReport` keeps errors and warnings apart and renders a readable
checklist with :meth:`ValidationReport.to_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Level = Literal["error", "warning"]


def printable(text: str) -> str:
    """Text with control characters (line breaks, terminal escape codes) shown escaped, e.g. '\\n',
    so a header or key from a user's file cannot split a one-line message or repaint a terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


@dataclass(frozen=True)
class Problem:
    """One error or warning about an input file.

    >>> str(Problem("error", "nene.csv", 7, "Patients 75+", "'abc' is not a number"))
    "nene.csv, row 7, column 'Patients 75+': 'abc' is not a number"
    """

    level: Level
    file: str
    row: int | None
    column: str | None
    message: str
    kind: str = ""  # what sort of problem, for callers that group them, e.g. "over75_share"; "" if unnamed

    def location(self) -> str:
        """Where the problem is, without the file name: "row 7, column 'X'" (may be "")."""
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.location()
        prefix = f"{self.file}, {where}" if where else self.file
        return printable(f"{prefix}: {self.message}")


@dataclass
class ValidationReport:
    """Everything found while reading and checking one practice list.

    ``errors`` block the file; ``warnings`` do not. The totals are filled in only when the
    file is usable (a total over half-read figures would mislead).
    """

    file: str
    errors: list[Problem]
    warnings: list[Problem]
    n_rows: int
    n_commissioners: int
    file_type: str | None = None                      # e.g. "CSV (UTF-8 with BOM)", "Excel workbook, sheet 'Data'"
    columns: dict[str, str] = field(default_factory=dict)   # canonical name -> header as written
    les_columns: list[str] = field(default_factory=list)
    total_list_size: int | None = None
    total_over75: int | None = None
    les_totals: dict[str, float] = field(default_factory=dict)  # £ per les_ column
    commissioners: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings are allowed)."""
        return not self.errors

    @property
    def problems(self) -> list[Problem]:
        return [*self.errors, *self.warnings]

    def to_text(self) -> str:
        """A readable checklist: ✔ for what is fine, ✖ for errors, ⚠ for warnings, then totals."""
        lines = [f"Practice list: {self.file}"]
        if self.file_type:
            lines.append(f"✔ Read as {self.file_type}: {self.n_rows:,} practice row{_s(self.n_rows)}")
        if self.columns:
            found = ", ".join(
                name if name == header else f"{name} ('{header}')" for name, header in self.columns.items()
            )
            lines.append(f"✔ Columns used: {found}")
        if self.ok:
            comms = ", ".join(self.commissioners[:10])
            if len(self.commissioners) > 10:
                comms += f", … ({len(self.commissioners) - 10} more)"
            lines.append(
                f"✔ {self.n_rows:,} practice{_s(self.n_rows)} in {self.n_commissioners:,} "
                f"commissioner{_s(self.n_commissioners)}" + (f" ({comms})" if comms else "")
            )
            if self.total_list_size is not None and self.total_over75 is not None:
                share = self.total_over75 / self.total_list_size if self.total_list_size else 0.0
                lines.append(
                    f"✔ List size {self.total_list_size:,} patients; aged 75+ {self.total_over75:,} "
                    f"({share * 100:.1f} %)"
                )
            if self.les_columns:
                les = ", ".join(f"{c} (£{self.les_totals.get(c, 0.0):,.2f})" for c in self.les_columns)
                lines.append(f"✔ LES columns found: {les}")
            else:
                lines.append("✔ LES columns found: none")
        for p in self.errors:
            lines.append(f"✖ {_line(p)}")
        for p in self.warnings:
            lines.append(f"⚠ {_line(p)}")
        if self.ok:
            tail = f", with {len(self.warnings)} warning{_s(len(self.warnings))} to look at" if self.warnings else ""
            lines.append(f"Result: usable{tail}.")
        else:
            n = len(self.errors)
            tail = f" (and {len(self.warnings)} warning{_s(len(self.warnings))})" if self.warnings else ""
            lines.append(f"Result: NOT usable: {n} error{_s(n)} to fix{tail}. Nothing was loaded.")
        return "\n".join(printable(line) for line in lines)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _line(p: Problem) -> str:
    where = p.location()
    return f"{where}: {p.message}" if where else p.message


@dataclass
class LoadResult:
    """What loading or checking a practice list returns (model.practices)."""

    practices: pd.DataFrame | None  # None when there are errors
    report: ValidationReport

    @property
    def ok(self) -> bool:
        return self.report.ok



def failed(name: str, errors: list[Problem], warnings: list[Problem] | None = None, **kw: Any) -> LoadResult:
    report = ValidationReport(
        file=name, errors=errors, warnings=warnings or [], n_rows=kw.pop("n_rows", 0),
        n_commissioners=kw.pop("n_commissioners", 0), **kw,
    )
    return LoadResult(None, report)


def unexpected(name: str, exc: BaseException) -> Problem:
    if isinstance(exc, MemoryError):
        return error(name, "the file needs more memory to read than is allowed; remove the columns the model does "
                           "not use, or split the list by commissioner")
    detail = " ".join(str(exc).split())[:200]
    return error(
        name,
        f"the file could not be read because of an unexpected problem ({type(exc).__name__}"
        + (f": {detail}" if detail else "")
        + "). Check it opens in Excel; if it does, please report this.",
    )


def error(name: str, message: str, row: int | None = None, column: str | None = None) -> Problem:
    return Problem("error", name, row, column, message)


def warning(name: str, message: str, row: int | None = None, column: str | None = None) -> Problem:
    return Problem("warning", name, row, column, message)


