"""The code a learner's exercise needs, found in their notebook without running it.

Running every cell of every notebook (models, plots, demos) is too slow for a class and runs
code no grade depends on. So the grader reads the notebook's code cells, splits them into
top-level statements, and for each exercise keeps only what its function needs: the function's
own ``def`` (the last one before the learner's last ``check("name", ...)``), and, transitively,
the statements that define the names it uses (imports, the learner's own helpers, constants,
names from the lesson's own cells). The worker then runs exactly those statements, in notebook
order, and checks the function.

What a notebook *claims* is never read: outputs, execution counts, metadata and tags play no
part, so forged outputs or edited tags change nothing.

A statement's names (what it binds, what it uses now and later) come from
:mod:`helpers.exercises.statements`, which ``solution()`` uses too.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Optional

from helpers.exercises.statements import analyse, closure, module_level_nodes

# Cell magics whose body is ordinary Python that runs (timed or captured); other cell magics
# (%%bash, %%writefile, %%html, ...) are not Python and their cells are left out.
PYTHON_CELL_MAGICS = ("time", "capture", "prun")  # not %%timeit: it runs its body in a function


@dataclass
class CodeCell:
    """A code cell as Python: its source after IPython syntax is turned into calls."""

    number: int
    source: str        # the learner's text
    python: str        # what runs (magics turned into get_ipython() calls, or left out)
    statements: list = field(default_factory=list)
    syntax_error: Optional[SyntaxError] = None


@dataclass
class Needed:
    """What one exercise needs: the statements to run, in order, or why there are none.

    ``status`` is None when there is a function to check, ``"not attempted"`` when the
    notebook defines no such function, ``"error"`` when its cell cannot even be parsed.
    """

    exercise: str
    statements: list = field(default_factory=list)  # [(cell, index)] in notebook order
    status: Optional[str] = None
    message: str = ""


# --------------------------------------------------------------------------- #
# Cells to statements
# --------------------------------------------------------------------------- #
def _ipython_to_python(source: str) -> str:
    """The cell as plain Python: IPython's own transformer when available."""
    first, _, rest = source.lstrip("\n").partition("\n")
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return ""  # not Python: nothing in it can define what an exercise needs
        source = "\n" * (source.count("\n") - rest.count("\n")) + rest  # keep the line numbers
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # plain Python: line magics and shell escapes become blank lines
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in source.split("\n"))
    from IPython.core.inputtransformer2 import leading_empty_lines

    manager = TransformerManager()
    if leading_empty_lines in manager.cleanup_transforms:  # keep line numbers as the learner sees them
        manager.cleanup_transforms.remove(leading_empty_lines)
    try:
        return manager.transform_cell(source)
    except Exception:  # IPython could not make sense of it: let Python's parser say why
        return source


def parse_cells(sources: list) -> list:
    """Code cells (their source texts, in notebook order) -> list of CodeCell with statements."""
    cells = []
    for number, source in enumerate(sources, start=1):
        python = _ipython_to_python(source)
        cell = CodeCell(number, source, python)
        try:
            module = ast.parse(python, filename=cell_filename(number))
        except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte in the source
            cell.syntax_error = exc if isinstance(exc, SyntaxError) else SyntaxError(str(exc))
        else:
            for index, node in enumerate(module.body):
                try:
                    cell.statements.append(analyse(number, index, node))
                except (SyntaxError, ValueError, RecursionError):
                    continue  # symtable refused what ast accepted (rare): the statement is left out
        cells.append(cell)
    return cells


def cell_filename(number: int) -> str:
    """How tracebacks name a code cell: "cell 3" (the third code cell of the notebook)."""
    return f"cell {number}"


# --------------------------------------------------------------------------- #
# What an exercise needs
# --------------------------------------------------------------------------- #
def _calls_check(node: ast.stmt, exercise: str) -> bool:
    """True when the statement calls check("exercise", ...) at module level."""
    for inner in module_level_nodes(node):
        if (isinstance(inner, ast.Call) and isinstance(inner.func, (ast.Name, ast.Attribute))
                and (inner.func.id if isinstance(inner.func, ast.Name) else inner.func.attr) == "check"
                and inner.args and isinstance(inner.args[0], ast.Constant)
                and inner.args[0].value == exercise):
            return True
    return False


def _defines_source(cell: CodeCell, exercise: str) -> bool:
    return re.search(rf"^\s*(async\s+)?def\s+{re.escape(exercise)}\s*\(", cell.source, re.M) is not None


def needed_for(cells: list, exercise: str) -> Needed:
    """The statements exercise ``exercise`` needs, or why it cannot be graded.

    The function checked is the last ``def exercise(...)`` (or assignment to the name)
    before the learner's last ``check("exercise", ...)``; without a check call, the last
    one in the notebook. Imports of the name (a reference imported for later demos) never
    count as the learner's answer.
    """
    statements = [s for cell in cells for s in cell.statements]
    position = {s.key: i for i, s in enumerate(statements)}
    checks = [i for i, s in enumerate(statements) if _calls_check(s.node, exercise)]
    checkpoint = checks[-1] if checks else len(statements)
    answers = [i for i, s in enumerate(statements[:checkpoint]) if exercise in s.defines_function]
    broken = [c for c in cells if c.syntax_error is not None and _defines_source(c, exercise)
              and (not checks or c.number <= statements[checkpoint].cell)
              and (not answers or c.number >= statements[answers[-1]].cell)]
    if broken:
        cell = broken[-1]
        error = cell.syntax_error
        where = f"line {error.lineno}: {error.msg}" if error.lineno else str(error.msg)
        return Needed(exercise, status="error",
                      message=f"cell {cell.number}, which defines {exercise}, has a syntax error "
                              f"({where}), so the notebook cannot define "
                              f"{exercise}. Run the cell to see where, and fix it.")
    if not answers and any(exercise in s.defines_function for s in statements[checkpoint:]):
        return Needed(exercise, status="not attempted",
                      message=f"the notebook's last check({exercise!r}, ...) comes before any "
                              f"`def {exercise}(`: move the check below the function and run both.")
    if not answers:
        return Needed(exercise, status="not attempted",
                      message=f"the notebook has no function {exercise}: its cell is missing or "
                              f"was renamed (the exercise's cell starts with `def {exercise}(`).")

    chosen = closure(statements, answers[-1], checkpoint)
    keys = sorted(statements[i].key for i in chosen)
    assert all(k in position for k in keys)
    return Needed(exercise, statements=keys)
