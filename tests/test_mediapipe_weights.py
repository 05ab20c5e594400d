"""Getting the MediaPipe weights: pinned hashes, extraction from a wheel, idempotence, clear failures.

Nothing here touches the network: the wheel is a small zip made in a temporary folder,
and pip is replaced by a stand-in. The real files are checked when they are cached.
"""
import hashlib
import subprocess
import warnings
import zipfile
from pathlib import Path

import pytest

from helpers.models import get_preset, load_model
from helpers.models import mediapipe_weights as mw
from helpers.models.cache import ChecksumMismatchError, cache_dir

# Pinned values, typed here from the measurement (not imported from the code under test).
WHEEL_SHA256 = "a807328339e7356fda0bb14df12fedbf1d33bdf81649c5f8666b0026b1cc30b4"
FILES = {
    "blazeface": ("mediapipe/modules/face_detection/face_detection_short_range.tflite", 229_714,
                  "bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8"),
    "selfie_segmenter": ("mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite", 249_505,
                         "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c"),
}


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_KATAS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _fake_wheel(folder, contents):
    """A zip with the given {member: bytes} and a licence, like the real wheel's layout."""
    wheel = Path(folder) / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for member, data in contents.items():
            archive.writestr(member, data)
        archive.writestr(mw.LICENCE_MEMBER, "Apache License 2.0 (test copy)")
    return wheel


def _members_for(contents):
    return [mw.WheelMember(f"model{i}", member, cache_dir() / "mediapipe-test" / Path(member).name,
                           hashlib.sha256(data).hexdigest())
            for i, (member, data) in enumerate(contents.items())]


def test_presets_pin_the_measured_hashes():
    for name, (member, _, sha) in FILES.items():
        preset = get_preset(name)
        assert preset.source == "wheel"
        assert preset.path_or_url == member and preset.sha256 == sha
        assert preset.source_sha256 == WHEEL_SHA256
    assert mw.wheel_sha256() == WHEEL_SHA256
    assert get_preset("blazeface").input_size == (128, 128) and get_preset("selfie_segmenter").input_size == (256, 256)
    assert get_preset("blazeface").scale == pytest.approx(1 / 127.5) and get_preset("blazeface").mean == (127.5,) * 3
    assert get_preset("selfie_segmenter").scale == pytest.approx(1 / 255)


def test_pip_command_downloads_one_pinned_wheel_without_dependencies(tmp_path):
    command = mw.pip_download_command(tmp_path)
    assert command[1:4] == ["-m", "pip", "download"]
    assert "mediapipe==0.10.14" in command and "--no-deps" in command
    assert "--only-binary=:all:" in command
    for flag, value in (("--platform", "manylinux_2_17_x86_64"), ("--python-version", "3.11"),
                        ("--implementation", "cp"), ("--dest", str(tmp_path))):
        assert command[command.index(flag) + 1] == value


def test_extract_checks_and_writes_each_file(tmp_path, empty_cache):
    contents = {"mediapipe/modules/a/one.tflite": b"first model", "mediapipe/modules/b/two.tflite": b"second"}
    members = _members_for(contents)
    paths = mw.extract_members(_fake_wheel(tmp_path, contents), members)
    assert [p.read_bytes() for p in paths] == list(contents.values())
    assert (empty_cache / mw.LICENCE_FILE).read_text() == "Apache License 2.0 (test copy)"
    note = (empty_cache / mw.SOURCE_NOTE_FILE).read_text()
    assert WHEEL_SHA256 in note and "one.tflite" in note


def test_a_wrong_file_in_the_wheel_writes_nothing(tmp_path, empty_cache):
    contents = {"mediapipe/modules/a/one.tflite": b"first model", "mediapipe/modules/b/two.tflite": b"second"}
    members = _members_for(contents)
    tampered = dict(contents)
    tampered["mediapipe/modules/b/two.tflite"] = b"something else"
    with pytest.raises(ChecksumMismatchError, match="two.tflite"):
        mw.extract_members(_fake_wheel(tmp_path, tampered), members)
    assert not any(m.destination.exists() for m in members)


def test_a_missing_file_in_the_wheel_is_named(tmp_path, empty_cache):
    members = _members_for({"mediapipe/modules/a/one.tflite": b"x"})
    with pytest.raises(mw.MediapipeFetchError, match="one.tflite"):
        mw.extract_members(_fake_wheel(tmp_path, {}), members)


def test_a_wheel_with_another_hash_is_refused(tmp_path):
    wheel = tmp_path / mw.WHEEL_FILE_NAME
    wheel.write_bytes(b"not the wheel")
    with pytest.raises(ChecksumMismatchError, match=WHEEL_SHA256):
        mw.check_wheel(wheel)


def test_pip_failure_says_what_to_do(tmp_path):
    def failing_pip(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "ERROR: Could not find a version\nNo network")
    with pytest.raises(mw.MediapipeFetchError, match="--wheel PATH"):
        mw.download_wheel(tmp_path, run=failing_pip)


def test_cached_files_are_not_fetched_again(tmp_path, empty_cache, monkeypatch):
    contents = {"mediapipe/modules/a/one.tflite": b"first model"}
    members = _members_for(contents)
    monkeypatch.setattr(mw, "wheel_members", lambda: members)
    mw.extract_members(_fake_wheel(tmp_path, contents), members)

    def no_download(folder, run=None):
        raise AssertionError("the wheel was downloaded although the files are cached")
    monkeypatch.setattr(mw, "download_wheel", no_download)
    lines = []
    assert mw.fetch_mediapipe_models(log=lines.append) == {"model0": members[0].destination}
    assert "nothing to fetch" in lines[0]


def test_fetch_from_a_given_wheel_checks_its_hash(tmp_path, empty_cache):
    with pytest.raises(ChecksumMismatchError):
        mw.fetch_mediapipe_models(wheel=_fake_wheel(tmp_path, {}))


def test_cli_fails_with_a_message_and_status_1(monkeypatch, capsys):
    import scripts.fetch_mediapipe_models as cli

    def broken(*args, **kwargs):
        raise mw.MediapipeFetchError("pip could not download mediapipe==0.10.14")
    monkeypatch.setattr(cli, "fetch_mediapipe_models", broken)
    assert cli.main([]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "synthetic" in err and "fetch_mediapipe_models.py" in err


@pytest.mark.parametrize("name", sorted(FILES))
def test_missing_or_damaged_weights_give_the_stand_in_with_a_notice(name, empty_cache, monkeypatch):
    monkeypatch.delenv("CNN_KATAS_FORCE_SYNTHETIC", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        missing = load_model(name)
    assert missing.is_synthetic and "fetch_mediapipe_models.py" in missing.notice
    damaged = empty_cache / get_preset(name).file_name
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_bytes(b"truncated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_model(name)
    assert model.is_synthetic and "SHA-256" in model.notice


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_cached_real_files(name):
    preset = get_preset(name)
    path = cache_dir(create=False) / preset.file_name
    if not path.is_file():
        pytest.skip(f"{path} is not cached (run `python scripts/fetch_mediapipe_models.py`)")
    _, size, sha = FILES[name]
    data = path.read_bytes()
    assert len(data) == size and hashlib.sha256(data).hexdigest() == sha
    assert (path.parent / "LICENSE").read_text().lstrip().startswith("Apache License")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not load_model(name).is_synthetic
