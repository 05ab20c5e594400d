"""The names the issues promise at the top of ``helpers`` (a public contract)."""
import inspect

import helpers

CONTRACT = {
    # name: the parameters learners and other tools call it with
    "check": ["name", "fn"],
    "hint": ["name"],
    "solution": ["name"],
    "exercises": [],
    "load_image": ["path"],
    "load_model": ["name"],
    "detect_faces": ["image", "score_threshold"],
    "segment_person": ["image"],
}


def test_contract_names_are_importable_from_helpers():
    for name, params in CONTRACT.items():
        fn = getattr(helpers, name)
        assert name in helpers.__all__
        assert list(inspect.signature(fn).parameters)[: len(params)] == params, name


def test_everything_in_all_exists():
    missing = [name for name in helpers.__all__ if not hasattr(helpers, name)]
    assert missing == []


def test_detect_faces_default_threshold_is_one_half():
    assert inspect.signature(helpers.detect_faces).parameters["score_threshold"].default == 0.5


def test_the_readme_building_blocks_example_runs():
    """The README's "building blocks" snippet, run on a bundled photo."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(import helpers\n.*?)```", readme, flags=re.S)
    assert len(blocks) == 1, "the README should hold one 'import helpers' example"
    photo = helpers.images.sample_image_path("astronaut")
    namespace = {}
    exec(blocks[0].replace('"photo.jpg"', repr(str(photo))), namespace)
    assert namespace["probs"].shape == (1, 1000)
    assert namespace["person"].shape == namespace["image"].shape[:2]
