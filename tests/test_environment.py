"""environment.yml (conda / Binder) pins exactly what requirements.txt pins."""
from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from analysis import envfile
from analysis.paths import ROOT


def requirements_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def pip_section(environment: dict) -> list[str]:
    (section,) = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    return section


def test_pins_agree(environment):
    env_pins = {}
    for spec in pip_section(environment):
        name, version = spec.split("==")
        assert name.lower() not in env_pins, f"duplicate {name}"
        env_pins[name.lower()] = version
    assert env_pins == requirements_pins()
    assert len(env_pins) > 50


def test_conda_conventions(environment):
    assert environment["name"]
    assert environment["channels"] == ["conda-forge"]
    conda_deps = [d for d in environment["dependencies"] if isinstance(d, str)]
    assert "pip" in conda_deps
    assert [d for d in conda_deps if d.startswith("python")] == ["python=3.11"]


def test_python_is_3_11_everywhere():
    header = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"--python-version 3\.11\b", header)
    with open(ROOT / "pyproject.toml", "rb") as fh:
        assert "3.11" in tomllib.load(fh)["project"]["requires-python"]


def test_environment_yml_is_generated_and_current():
    assert (ROOT / "environment.yml").read_text(encoding="utf-8") == envfile.environment_yml_text(), (
        "environment.yml is stale: run `python -m analysis.envfile`"
    )


def test_read_pins_rejects_unpinned_lines(tmp_path):
    bad = tmp_path / "requirements.txt"
    bad.write_text("pandas>=2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a plain name==version pin"):
        envfile.read_pins(bad)


def test_optional_dask_group_is_pinned_alike_and_respects_the_base_pins():
    """pyproject's ``dask`` extra, requirements-dask.in and its lock agree; shared packages keep the base pins."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dask"]
    wanted = [line for line in (ROOT / "requirements-dask.in").read_text().splitlines()
              if line and not line.startswith(("#", "-"))]
    assert extra == wanted == ["dask[distributed]==2026.8.0"]
    locked = envfile.read_pins(ROOT / "requirements-dask.txt")
    assert any(pin == "dask==2026.8.0" for pin in locked)
    base = dict(pin.split("==") for pin in envfile.read_pins(ROOT / "requirements.txt"))
    for name, version in (pin.split("==") for pin in locked):
        assert base.get(name, version) == version, name


def test_binder_postbuild_installs_the_package():
    post = ROOT / "postBuild"
    assert post.stat().st_mode & 0o111, "postBuild must be executable for repo2docker"
    assert "pip install --no-deps -e ." in post.read_text()


def test_readme_commands_are_real_make_targets():
    """Every `make X` the README tells a newcomer to type is a target of the Makefile."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), flags=re.M))
    told = set(re.findall(r"^make ([a-z][a-z-]*)", readme, flags=re.M))
    assert {"study", "test", "site"} <= told <= targets, told - targets
