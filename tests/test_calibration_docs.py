"""docs/calibration.md's tables are generated, not written by hand.

- the block of docs/calibration.md that shows the latest calibration (bench/calibration.py: LATEST) is its report's tables, as
  `make calibration-docs` writes them;
- (slow) the block with the patterns and places is what 100 runs of the model give today.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import calibration as generator  # noqa: E402


def test_the_calibration_block_of_the_docs_is_generated_from_its_report():
    text = generator.DOCS.read_text()
    block = text.split("<!-- BEGIN generated: the latest calibration -->", 1)[1]
    block = block.split("<!-- END generated: the latest calibration -->", 1)[0]
    assert block.strip() == generator.posterior_tables(generator.LATEST).strip()
    assert "| parameter | path | prior |" in block and "| pattern (record) |" in block


def test_a_generated_block_is_replaced_between_its_markers_only():
    text = "intro\n<!-- BEGIN generated: x -->\nold\n<!-- END generated: x -->\noutro\n"
    new = generator.replace_generated(text, "x", "new table\n")
    assert new == "intro\n<!-- BEGIN generated: x -->\nnew table\n<!-- END generated: x -->\noutro\n"
    with pytest.raises(SystemExit):
        generator.replace_generated(text, "y", "z")


@pytest.mark.slow
def test_the_docs_patterns_and_places_are_today_s_model():
    res = subprocess.run([sys.executable, str(ROOT / "bench" / "calibration.py"), "--check-docs"],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_libya_defaults_are_the_values_chosen_from_the_latest_posterior():
    """scenarios/libya/parameters.yaml and the LNA's optimism in libya_2018_11.yaml carry the values that
    bench/choose_defaults.py chose from the latest calibration (its defaults.yaml), every one of them."""
    import yaml

    from sim.scenario import load_scenario

    chosen = yaml.safe_load((generator.LATEST / "defaults.yaml").read_text())
    assert chosen["posterior"] == generator.LATEST.name
    resolved = load_scenario(ROOT / "scenarios" / "libya" / "palermo_failed.yaml").resolved
    spec = yaml.safe_load((ROOT / "configs" / "calibration" / "libya_2018_2020.yaml").read_text())
    assert set(chosen["values"]) == set(spec["calibration"]["parameters"])
    for path, value in chosen["values"].items():
        node = resolved
        for key in path.split("."):
            node = node[key]
        assert node == pytest.approx(value, rel=1e-9), path
