import pytest

from vertical.io import atomic_directory, atomic_write_json, atomic_write_text


def test_atomic_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "a" / "out.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_atomic_write_json_round_trips(tmp_path):
    import json

    atomic_write_json(tmp_path / "m.json", {"b": 1, "a": [1, 2]})
    assert json.loads((tmp_path / "m.json").read_text()) == {"b": 1, "a": [1, 2]}


def test_failed_atomic_directory_keeps_the_old_folder(tmp_path):
    target = tmp_path / "stage"
    with atomic_directory(target) as folder:
        (folder / "artefact").write_text("good")
    with pytest.raises(RuntimeError), atomic_directory(target) as folder:
        (folder / "artefact").write_text("half")
        raise RuntimeError("killed")
    assert (target / "artefact").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stage"]


def test_files_and_folders_follow_the_umask(tmp_path):
    import os
    import stat

    from vertical.io import atomic_directory, atomic_write_text

    previous = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "report.html", "<p>hi</p>")
        with atomic_directory(tmp_path / "stage") as folder:
            (folder / "x").write_text("1")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "stage").stat().st_mode) == 0o755
