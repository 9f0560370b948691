"""Parameter defaults per theatre: configs/model.yaml holds generic defaults; a theatre's parameter file, named by
a scenario (or a base of it) with ``parameters_file:``, goes over them; the scenario's own ``parameters:`` go over
the theatre's, and ``--set`` over everything."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from conftest import LIBYA, ROOT, SCENARIOS, TOY
from sim.errors import InputError
from sim.scenario import load_scenario

MODEL = ROOT / "configs" / "model.yaml"
LIBYA_PARAMETERS = SCENARIOS / "parameters.yaml"


def _theatre(tmp_path, parameters: str, scenario_extra: str = "") -> tuple:
    """A theatre folder with a parameter file and a scenario (the toy war) naming it."""
    folder = tmp_path / "north"
    folder.mkdir()
    (folder / "parameters.yaml").write_text(f"parameters:\n{parameters}")
    shutil.copy(TOY, folder / "toy_war.yaml")
    war = folder / "my_war.yaml"
    war.write_text(f"extends: toy_war.yaml\nparameters_file: parameters.yaml\n{scenario_extra}")
    return folder, war


def test_a_theatre_file_applies_to_its_scenarios_and_their_variants(tmp_path):
    folder, war = _theatre(tmp_path, "  ceasefire_intensity: 0.2\n  alignment_rate: 0.07\n")
    variant = tmp_path / "variant.yaml"  # elsewhere: the file is found beside the scenario that names it
    variant.write_text(f"extends: {war}\ntitle: a variant\n")
    for f in (war, variant):
        p = load_scenario(f).scenario.parameters
        assert p.ceasefire_intensity == 0.2 and p.alignment_rate == 0.07
    generic = yaml.safe_load(MODEL.read_text())["parameters"]
    assert load_scenario(war).scenario.parameters.ceasefire_break_rate == generic["ceasefire_break_rate"]


def test_a_scenarios_own_parameters_win_over_its_theatres_and_set_over_both(tmp_path):
    # the toy war's own parameters say oil_price_usd: 60; the theatre says 33 for it and for the alignment rate
    folder, war = _theatre(tmp_path, "  oil_price_usd: 33.0\n  alignment_rate: 0.07\n",
                           "parameters: {alignment_rate: 0.09}\n")
    p = load_scenario(war).scenario.parameters
    assert p.oil_price_usd == 60.0  # the base scenario's own value
    assert p.alignment_rate == 0.09  # the variant's own value
    assert load_scenario(war, {"parameters.alignment_rate": 0.2}).scenario.parameters.alignment_rate == 0.2


def test_a_theatres_channel_effects_merge_channel_by_channel(tmp_path):
    folder, war = _theatre(tmp_path, "  channel_effects: {troops: {fighters: 500.0, cost: 2.0}}\n")
    effects = load_scenario(war).scenario.parameters.channel_effects
    assert effects["troops"].fighters == 500.0 and effects["troops"].cost == 2.0
    assert effects["mercenaries"].fighters == 2000.0  # the toy war's own
    assert effects["drones"].air == 1.0  # the generic default


def test_a_variant_can_drop_its_theatres_file(tmp_path):
    folder, war = _theatre(tmp_path, "  alignment_rate: 0.07\n")
    alone = folder / "alone.yaml"
    alone.write_text("extends: my_war.yaml\nparameters_file: null\n")
    generic = yaml.safe_load(MODEL.read_text())["parameters"]["alignment_rate"]
    assert load_scenario(alone).scenario.parameters.alignment_rate == generic


def test_the_theatre_file_is_no_part_of_the_resolved_scenario(tmp_path):
    folder, war = _theatre(tmp_path, "  alignment_rate: 0.07\n")
    resolved = load_scenario(war).resolved
    assert "parameters_file" not in resolved and resolved["parameters"]["alignment_rate"] == 0.07


@pytest.mark.parametrize("body, needle, line", [
    ("  alignment_rat: 0.07\n", "parameters.alignment_rat: unknown key (did you mean 'alignment_rate'", 2),
    ("  alignment_rate: 7\n", "parameters.alignment_rate: Input should be less than or equal to 1", 2),
])
def test_a_bad_value_in_a_theatre_file_names_its_file_and_line(tmp_path, body, needle, line):
    folder, war = _theatre(tmp_path, body)
    with pytest.raises(InputError) as exc:
        load_scenario(war)
    assert exc.value.file == str(folder / "parameters.yaml") and exc.value.line == line
    assert needle in str(exc.value)


def test_a_missing_or_malformed_theatre_file_is_one_line(tmp_path):
    folder, war = _theatre(tmp_path, "  alignment_rate: 0.07\n")
    war.write_text("extends: toy_war.yaml\nparameters_file: parametres.yaml\n")
    with pytest.raises(InputError) as exc:
        load_scenario(war)
    assert str(exc.value).startswith(f"{war}:2: parameters_file: parameters file '{folder / 'parametres.yaml'}' "
                                      "not found (did you mean 'parameters.yaml'?)")
    (folder / "parameters.yaml").write_text("parameters: {alignment_rate: 0.07}\ntitle: not here\n")
    war.write_text("extends: toy_war.yaml\nparameters_file: parameters.yaml\n")
    with pytest.raises(InputError, match="a parameters file holds one mapping, 'parameters:'"):
        load_scenario(war)


# ---------------------------------------------------------------------- the Libya theatre
def _tagged(path, tag: str) -> set[str]:
    """The parameters of a file whose comment carries the tag."""
    return set(re.findall(rf"^  ([a-z_0-9]+):.*# \[{tag}\]", path.read_text(), re.MULTILINE))


def test_every_libya_scenario_takes_the_libya_theatres_values():
    theatre = yaml.safe_load(LIBYA_PARAMETERS.read_text())["parameters"]
    generic = yaml.safe_load(MODEL.read_text())["parameters"]
    for f in LIBYA:
        own = (yaml.safe_load(f.read_text()) or {}).get("parameters", {})
        p = load_scenario(f).resolved["parameters"]
        for name, value in theatre.items():
            if name == "channel_effects":
                for channel, effect in value.items():
                    assert all(p[name][channel][k] == v for k, v in effect.items()), (f.name, channel)
            elif name not in own:
                assert p[name] == value, (f.name, name)
        for name in set(generic) - set(theatre) - set(own) - {"channel_effects"}:
            assert p[name] == generic[name], (f.name, name)


def test_the_generic_defaults_hold_no_theatres_tuning():
    assert not _tagged(MODEL, "tuned")  # tuned values live in a theatre's parameter file
    assert not _tagged(MODEL, "calibrated")
    assert {"urban_advantage_per_100k", "attrition_rate", "defender_advantage"} <= _tagged(LIBYA_PARAMETERS, "tuned")
    assert {"contest_decisiveness", "capacity_cost_per_battle", "capacity_regeneration", "offensive_threshold",
            "surprise_focus", "air_interdiction_rate", "alignment_spoils_weight"} <= _tagged(LIBYA_PARAMETERS,
                                                                                            "calibrated")
    assert "oil_price_usd" in _tagged(LIBYA_PARAMETERS, "sourced")
    generic = _tagged(MODEL, "generic")
    theatre = set(yaml.safe_load(LIBYA_PARAMETERS.read_text())["parameters"]) - {"channel_effects"}
    assert theatre <= generic, theatre - generic  # every value Libya tunes has a generic default, marked so


def test_the_libya_tuning_is_what_the_calibration_documents():
    p = load_scenario("libya_2018_11").scenario.parameters
    assert (p.contest_decisiveness, p.defender_advantage, p.urban_advantage_per_100k) == (3.34, 1.5, 0.15)
    assert (p.attrition_rate, p.oil_price_usd, p.upkeep_per_fighter, p.capital_revenue_share) == (
        0.0018, 60.0, 0.00025, 0.7)
    assert p.channel_effects["mercenaries"].fighters == 2000.0


def test_the_generic_defaults_run_a_war_of_their_own(tmp_path):
    from sim.runner import run_one

    text = TOY.read_text()
    own = tmp_path / "generic_war.yaml"
    own.write_text(text[:text.index("# The values the engine's tests were written for")])
    s = load_scenario(own).scenario
    generic = yaml.safe_load(MODEL.read_text())["parameters"]
    assert s.parameters.oil_price_usd == generic["oil_price_usd"]
    result = run_one(s, 1, 20)
    assert result.summary["casualties"] >= 0
