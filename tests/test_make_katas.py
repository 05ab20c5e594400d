"""The katas are generated from the solutions, and the committed ones are in sync."""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_katas  # noqa: E402


def test_strip_solution_keeps_indentation_and_code_around():
    source = "def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION\nprint(f)"
    assert make_katas.strip_solution(source) == (
        "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError\nprint(f)")


@pytest.mark.parametrize("source", ["### BEGIN SOLUTION\nx = 1", "x = 1\n### END SOLUTION",
                                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"])
def test_unbalanced_markers_are_errors(source):
    with pytest.raises(ValueError, match="SOLUTION"):
        make_katas.strip_solution(source)


def test_solution_only_cells_are_dropped():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("a = 1"), nbformat.v4.new_code_cell("secret = 2")]
    nb.cells[1].metadata["tags"] = ["solution-only"]
    kata = make_katas.make_kata(nb)
    assert [c.source for c in kata.cells] == ["a = 1"]


SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert SOLUTIONS, "no solution notebooks found"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_committed_kata_is_in_sync(path):
    assert make_katas.out_of_date(path) == [], (
        f"run `python scripts/make_katas.py {path.name[:2]}` to regenerate the kata")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solutions_have_exercises_and_katas_are_blank(path):
    solution = nbformat.read(path, as_version=4)
    kata = nbformat.read(ROOT / "katas" / path.name, as_version=4)
    code = "\n".join(c.source for c in solution.cells if c.cell_type == "code")
    assert "### BEGIN SOLUTION" in code, "every notebook has at least one exercise"
    kata_code = "\n".join(c.source for c in kata.cells if c.cell_type == "code")
    assert "SOLUTION" not in kata_code and "raise NotImplementedError" in kata_code


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_notebooks_start_with_title_and_goals_and_end_with_pitfalls(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "learning goals" in first.source.lower()
    assert any("pitfall" in c.source.lower() for c in nb.cells[-3:] if c.cell_type == "markdown")


@pytest.mark.parametrize("folder", ["", "katas", "solutions"])
def test_check_works_from_every_folder(folder):
    code = ("from helpers import check\nimport numpy as np\n"
            "print(check('to_unit_range', lambda image: image.astype(np.float32) / 255).status)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / folder, capture_output=True, text=True)
    assert out.stdout.strip() == "correct", out.stderr


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_notebook_starts_with_the_set_up_cell(path):
    """The first code cell installs the helpers in Colab or a copy elsewhere (one text for all)."""
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.get("id") == make_katas.SETUP_CELL_ID
    assert first_code.source == make_katas.SETUP_CELL
