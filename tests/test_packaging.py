"""A non-editable wheel install works on its own: the console script runs and the loaders find the datasets."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: build offline with the hatchling pinned in the test environment
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(repo_root)],
        check=True,
        capture_output=True,
        text=True,
    )
    (whl,) = out.glob("brinkmanship-*.whl")
    return whl


def test_wheel_ships_the_datasets(wheel: Path, repo_root: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for csv_file in sorted((repo_root / "datasets").glob("*.csv")):
        assert f"brinkmanship/datasets/{csv_file.name}" in names
    assert "brinkmanship/datasets/datapackage.json" in names
    assert "brinkmanship/data.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_fresh_venv_with_the_wheel_loads_data(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    # Reuse the already-installed third-party dependencies (no download), but not the editable brinkmanship:
    # a .pth line adds the directory to sys.path without running the editable hook inside it.
    target_site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(target_site, "course_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "BRINKMANSHIP_DATA_DIR"}
    code = (
        "import brinkmanship, brinkmanship.paths as p, brinkmanship.data as d\n"
        "print(brinkmanship.__file__)\n"
        "print(p.datasets_dir())\n"
        "t = d.load_all()\n"
        "print(len(t['events']), len(t['sources']))\n"
    )
    run = subprocess.run([str(py), "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    module_file, data_dir, counts = run.stdout.strip().splitlines()
    assert module_file.startswith(target_site), "imported the editable checkout instead of the wheel"
    assert data_dir == str(Path(target_site) / "brinkmanship" / "datasets")
    n_events, n_sources = map(int, counts.split())
    assert n_events > 0 and n_sources == 24
    cli = subprocess.run(
        [str(venv / "bin" / "brinkmanship"), "validate-data"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert cli.returncode == 0, cli.stderr
    assert "sources" in cli.stdout and "24 rows" in cli.stdout
