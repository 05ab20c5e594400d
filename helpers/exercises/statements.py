"""Top-level statements of Python code: the names each binds and uses, and what one needs.

Used by the grader (helpers.grade.notebook_code: what a learner's exercise needs from their
notebook) and by ``solution()`` (the reference and the project helpers it calls, as one runnable
whole). A statement's names come from :mod:`symtable`: what it binds at module level, what it
uses when it runs (``now``), and what the functions it defines use when they are called
(``later``).
"""
from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass
from typing import Optional


@dataclass
class Statement:
    """One top-level statement of a code cell.

    ``cell`` is the 1-based number of the code cell among the notebook's code cells (what
    the learner sees as the cell order, independent of execution counts); ``index`` its
    position in the cell's module body.
    """

    cell: int
    index: int
    node: ast.stmt
    defines: frozenset
    now: frozenset    # names used while the statement runs
    later: frozenset  # names used inside functions it defines, when they are called
    defines_function: frozenset = frozenset()  # names bound by def or assignment (not import)

    @property
    def key(self) -> tuple:
        return (self.cell, self.index)


def names(tree: symtable.SymbolTable) -> tuple:
    """(defined, used now, used later) for a module-level symbol table."""
    defines, now, later = set(), set(), set()
    for symbol in tree.get_symbols():
        if symbol.is_assigned() or symbol.is_imported():
            defines.add(symbol.get_name())
        if symbol.is_referenced():
            now.add(symbol.get_name())

    def walk(table, deferred):
        for child in table.get_children():
            child_deferred = deferred or (child.get_type() == "function"
                                          and child.get_name() not in ("listcomp", "setcomp",
                                                                       "dictcomp", "genexpr"))
            for symbol in child.get_symbols():
                if symbol.is_global() and (symbol.is_referenced() or symbol.is_assigned()):
                    (later if child_deferred else now).add(symbol.get_name())
            walk(child, child_deferred)

    walk(tree, False)
    return defines, now, later


def analyse(cell: int, index: int, node: ast.stmt) -> Statement:
    """One top-level statement, analysed: what it defines and uses."""
    text = ast.unparse(node)
    defines, now, later = names(symtable.symtable(text, f"cell {cell}", "exec"))
    for inner in module_level_nodes(node):  # `total += x` uses total, which symtable does not say
        if isinstance(inner, ast.AugAssign) and isinstance(inner.target, ast.Name):
            now.add(inner.target.id)
    function_names = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        function_names.add(node.name)
    elif isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        function_names.update(t.id for t in targets if isinstance(t, ast.Name))
    return Statement(cell, index, node, frozenset(defines), frozenset(now), frozenset(later),
                     frozenset(function_names))


def module_level_nodes(node: ast.AST):
    """Every node of a statement that runs at module level (not inside a def, lambda or class)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):  # only what the def itself evaluates
        stack = [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]
    elif isinstance(node, ast.ClassDef):
        stack = [*node.decorator_list, *node.bases, *node.keywords]
    else:
        stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def statements_of(source: str, cell: int = 1) -> list:
    """Every top-level statement of ``source`` (Python), analysed; SyntaxError if it does not parse."""
    module = ast.parse(source)
    return [analyse(cell, index, node) for index, node in enumerate(module.body)]


def closure(statements: list, start: int, checkpoint: int) -> set:
    """Indexes of the statements that statement ``start`` needs, itself included, transitively.

    A name used while a statement runs resolves to the last definition before it; a name used
    inside a function it defines resolves to the last definition before ``checkpoint`` (the
    moment the function is called).
    """
    def last_definition(name: str, before: int) -> Optional[int]:
        for i in range(before - 1, -1, -1):
            if name in statements[i].defines:
                return i
        return None

    chosen, todo = set(), [start]
    while todo:
        i = todo.pop()
        if i in chosen:
            continue
        chosen.add(i)
        statement = statements[i]
        for name in statement.now:
            found = last_definition(name, i)
            if found is not None:
                todo.append(found)
        for name in statement.later:
            found = last_definition(name, checkpoint)
            if found is not None:
                todo.append(found)
    return chosen
