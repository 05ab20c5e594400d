"""``solution(name)`` as a runnable whole: the reference and every project helper it calls.

A reference implementation lives in a topic module (helpers/detection.py, ...) and calls the
module's private helpers, its constants and functions of other topic modules. Showing only the
reference's own source (``decode_yolo`` calling ``_class_aware_nms``, whose body is elsewhere)
leaves a learner with code that does not run. :func:`runnable_source` follows every name the
reference uses, through the helpers package, and writes out what it finds, dependencies first:

- imports of other libraries (numpy, cv2, the standard library) as they are in the modules;
- every helper function, class and constant from the project, its own source, under a comment
  naming the module it comes from, in place of the import that brought it in.

The text, run on its own in a fresh namespace, defines the reference function under its name.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import sys
from dataclasses import dataclass, field

from .statements import closure, statements_of

PACKAGE = "helpers"


@dataclass
class _Module:
    name: str
    source: str
    statements: list
    future: bool  # `from __future__ import annotations`


def _load(module_name: str, cache: dict) -> _Module:
    if module_name not in cache:
        module = importlib.import_module(module_name)
        source = inspect.getsource(module)
        statements = statements_of(source)
        future = any(isinstance(s.node, ast.ImportFrom) and s.node.module == "__future__" for s in statements)
        cache[module_name] = _Module(module_name, source, statements, future)
    return cache[module_name]


def _absolute(module: _Module, node: ast.ImportFrom) -> str:
    """The absolute module name of a ``from ... import`` in ``module``."""
    if not node.level:
        return node.module or ""
    parts = module.name.split(".")
    package = parts if _is_package(module.name) else parts[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_package(module_name: str) -> bool:
    module = sys.modules.get(module_name)
    return module is not None and hasattr(module, "__path__")


def _ours(module_name: str) -> bool:
    return module_name == PACKAGE or module_name.startswith(PACKAGE + ".")


@dataclass
class _Gathered:
    """What the solution is made of, in the order it is written out."""

    imports: list = field(default_factory=list)       # source lines of third-party imports
    blocks: list = field(default_factory=list)        # (module name, [source of statements])
    seen: set = field(default_factory=set)            # (module, statement index) already written
    defined: dict = field(default_factory=dict)       # name -> module that defines it
    future: bool = False


def _gather(module: _Module, name: str, cache: dict, out: _Gathered) -> None:
    """Write out, dependencies first, the statements of ``module`` that ``name`` needs."""
    statements = module.statements
    index = next((i for i in range(len(statements) - 1, -1, -1) if name in statements[i].defines), None)
    if index is None:
        raise LookupError(f"{module.name} defines no {name!r}")
    needed = sorted(closure(statements, index, len(statements)))
    out.future = out.future or module.future
    own = []
    for i in needed:
        if (module.name, i) in out.seen:
            continue
        out.seen.add((module.name, i))
        node = statements[i].node
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, ast.ImportFrom) and _ours(_absolute(module, node)):
            source_module = _load(_absolute(module, node), cache)
            for alias in node.names:
                _gather(source_module, alias.name, cache, out)
                if alias.asname and alias.asname != alias.name:
                    own.append(f"{alias.asname} = {alias.name}")
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(_ours(a.name) for a in getattr(node, "names", [])) and isinstance(node, ast.Import):
                raise LookupError(f"{module.name} imports the package itself ({ast.unparse(node)})")
            line = ast.unparse(node)
            if line not in out.imports:
                out.imports.append(line)
            continue
        for defined in statements[i].defines:
            if defined in out.defined and out.defined[defined] != module.name:
                raise LookupError(f"{defined!r} is defined in both {out.defined[defined]} and {module.name}")
            out.defined[defined] = module.name
        own.append(ast.get_source_segment(module.source, node, padded=False) or ast.unparse(node))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.decorator_list:
            decorators = "\n".join("@" + ast.unparse(d) for d in node.decorator_list)
            own[-1] = decorators + "\n" + own[-1]
    if own and out.blocks and out.blocks[-1][0] == module.name:
        out.blocks[-1][1].extend(own)  # the same module again: one block
    elif own:
        out.blocks.append((module.name, own))


def runnable_source(fn) -> str:
    """Python source that, run on its own, defines ``fn`` (a reference implementation) and
    everything of the project it calls. LookupError when that cannot be written out."""
    cache: dict = {}
    module = _load(fn.__module__, cache)
    out = _Gathered()
    _gather(module, fn.__name__, cache, out)
    parts = []
    if out.future:
        parts.append("from __future__ import annotations")
    parts.extend(out.imports)
    text = "\n".join(parts)
    for module_name, sources in out.blocks:
        path = module_name.replace(".", "/") + ".py"
        text += f"\n\n\n# --- from {path} " + "-" * max(3, 70 - len(path)) + "\n" + "\n\n\n".join(sources)
    return text.strip() + "\n"
