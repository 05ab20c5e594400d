"""The workshop guide lists the checks' current diagnoses and plans every notebook."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import make_workshop_guide  # noqa: E402


def test_committed_guide_is_in_sync_with_the_checks():
    assert make_workshop_guide.GUIDE.read_text(encoding="utf-8") == make_workshop_guide.render(), (
        "run `python scripts/make_workshop_guide.py` to regenerate docs/workshop.md")


def test_every_notebook_is_planned():
    solutions = {p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")}
    assert solutions == set(make_workshop_guide.PLAN)
