"""The Syria scenarios (scenarios/syria/): they validate without warnings, run, cite only the bibliography, keep
their places supplied as declared, use the theatre's parameter file, take the relations between camps and the
revenue of places from the scenario, and the Russian intervention helps the regime's camp (a direction test).

The files are named by path here; on the command line their names work too (the lookup searches the theatre
folders of scenarios/)."""

import datetime as dt
import statistics
from collections import Counter

import pytest
import yaml

import test_roads as roads
from conftest import ROOT, run_cli
from sim.mechanisms import economy
from sim.model import ConflictModel
from sim.patterns import evaluate, evaluate_all, load_patterns, table
from sim.runner import horizon_steps, run_ensemble
from sim.scenario import PARAMETERS_FILE, load_scenario
from sim.sources import load_bibliography
from sim.territory import haversine_km

SYRIA = ROOT / "scenarios" / "syria"
BASE = SYRIA / "syria_2015_09.yaml"
NO_RUSSIA = SYRIA / "no_russian_intervention.yaml"
PARAMETERS = SYRIA / PARAMETERS_FILE
FILES = sorted(p for p in SYRIA.glob("*.yaml") if p.name != PARAMETERS_FILE)  # the scenarios
PATTERNS = ROOT / "configs" / "calibration" / "syria_2015_2016.yaml"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_syria_scenarios_validate_without_warnings(path):
    loaded = load_scenario(path)
    assert loaded.warnings == [], [w.located() for w in loaded.warnings]
    r = run_cli("validate", path)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout.startswith(f"ok: {path}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_syria_scenarios_run_a_few_weeks(path):
    s = load_scenario(path).scenario
    runs = run_ensemble(s, 2, 1, 6, workers=1)
    assert [r.seed for r in runs] == [1, 2]
    for r in runs:
        assert len(r.recorder.snapshots) == 7  # step 0 and six weeks
        assert r.summary["damascus_camp"] == "regime"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_sources_lists_the_bibliography_entries_of_the_syria_scenarios(path):
    r = run_cli("sources", path)
    assert r.returncode == 0, r.stderr
    assert "## Sources (" in r.stdout and "## Register of assumptions (" in r.stdout
    assert "syria_isw_kozak" in r.stdout and "Traceback" not in r.stderr


def test_the_syria_sources_are_described_and_dated_by_the_end():
    bib = load_bibliography()
    s = load_scenario(BASE).scenario
    used = {k for item in [*s.actors.values(), *s.ties.values(), *s.territory.places.values(),
                           *s.events.values(), s.territory.roads_cited] for k in item.sources}
    assert used and all(k.startswith("syria_") for k in used)
    for key in (k for k in bib.sources if k.startswith("syria_")):
        src = bib[key]
        assert src.title and src.description, key
        latest = src.latest()
        assert latest is None or latest <= s.end_date, key  # nothing after the scenario's end


def test_every_place_is_supplied_from_its_holders_home_or_is_a_declared_enclave():
    s = load_scenario(BASE).scenario
    cut = [place for _, place in roads.cut_off(s)]  # the same check as the Libya scenarios'
    assert sorted(cut) == sorted(s.territory.enclaves) == ["deir_ez_zor", "kuweires"]


def test_roads_have_plausible_lengths():
    """The two halves of Aleppo and Damascus with its eastern suburbs are closer than Libya's towns (the test of
    the Libya scenarios asks 15 km at least)."""
    s = load_scenario(BASE).scenario
    P = s.territory.places
    for a, b in s.territory.roads:
        d = haversine_km(P[a].lat, P[a].lon, P[b].lat, P[b].lon)
        assert 5 <= d <= 300, (a, b, round(d))


def test_the_variant_removes_the_intervention_and_keeps_the_older_support():
    base, variant = load_scenario(BASE).scenario, load_scenario(NO_RUSSIA).scenario
    gone = {t for t in base.ties if t not in variant.ties}
    assert gone == {"russia_saa_air_power", "russia_saa_air_defence", "russia_saa_special_forces"}
    assert not any(getattr(e, "patron", None) == "russia" or getattr(e, "tie", "").startswith("russia_")
                   for e in variant.events.values())
    assert {"russia_saa_arms", "russia_saa_diplomatic_cover"} <= set(variant.ties)
    assert set(base.events) - set(variant.events) == {"russian_air_campaign", "russian_advisers", "russian_s400",
                                                      "russian_partial_withdrawal"}


def test_the_russian_intervention_helps_the_regime():
    """Direction test, paired by seed (common random numbers): the regime's share of the population at the end,
    and its hold on eastern Aleppo, are higher with the intervention than without it."""
    base, variant = load_scenario(BASE).scenario, load_scenario(NO_RUSSIA).scenario
    n, steps = 25, horizon_steps(base)
    with_r = run_ensemble(base, n, 1, steps, record=False, workers=2)
    without = run_ensemble(variant, n, 1, steps, record=False, workers=2)
    diffs = [a.summary["regime_population_share"] - b.summary["regime_population_share"]
             for a, b in zip(with_r, without)]
    mean, se = statistics.mean(diffs), statistics.stdev(diffs) / n ** 0.5
    assert mean - 2 * se > 0, (mean, se)
    east = [sum(r.summary["aleppo_east_camp"] == "regime" for r in rs) for rs in (with_r, without)]
    assert east[0] > east[1], east
    assert all(r.summary["damascus_camp"] == "regime" for r in [*with_r, *without])


def test_the_patterns_of_the_record_are_well_formed_and_the_structural_ones_hold():
    """The patterns are for checking, not tuning: this prints the table and asks only that Damascus and the coast
    stay with the regime (docs: scenarios/syria/README.md gives the figures)."""
    p = load_patterns(PATTERNS)
    s = load_scenario(ROOT / "scenarios" / f"{p['scenario']}.yaml").scenario
    bib = load_bibliography()
    for pat in p["patterns"]:
        assert all(k in bib for k in pat["sources"]), pat["id"]
        places = [pat["place"]] if "place" in pat else [x for h in pat.get("holders", []) for x in h["places"]]
        assert all(x in s.territory.places for x in places), pat["id"]
    runs = run_ensemble(s, 20, 1, horizon_steps(s, until=p["until"]), workers=2)
    print("\n" + table(evaluate_all(p, runs)))
    by_id = {x["id"]: x for x in p["patterns"]}
    for pid in ("damascus_regime", "coast_regime"):
        assert evaluate(by_id[pid], runs).holds, pid


def test_compare_of_the_two_syria_scenarios_writes_a_report(tmp_path):
    out = tmp_path / "cmp"
    r = run_cli("compare", NO_RUSSIA, BASE, "--runs", 3, "--until", "2015-12-31", "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    md = (out / "report.md").read_text()
    assert "no_russian_intervention" in md and "p_regime_holds_aleppo_east" in md
    assert (out / "report.html").is_file() and (out / "comparison.csv").is_file()


# ---------------------------------------------------------------------- the theatre's parameter file
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_scenarios_take_their_parameters_from_the_theatre_s_file(path):
    """Every value of scenarios/syria/parameters.yaml reaches the resolved scenario (the variant inherits it
    through extends), where it differs from the generic default."""
    theatre = yaml.safe_load(PARAMETERS.read_text())["parameters"]
    s = load_scenario(path).scenario
    params = s.parameters.model_dump() if hasattr(s.parameters, "model_dump") else dict(s.parameters)
    for name, value in theatre.items():
        if name == "channel_effects":
            for channel, effects in value.items():
                got = params["channel_effects"][channel]
                got = got if isinstance(got, dict) else got.model_dump()
                assert {k: got[k] for k in effects} == effects, channel
        else:
            assert params[name] == value, name
    generic = yaml.safe_load((ROOT / "configs" / "model.yaml").read_text())["parameters"]
    for name in ("attrition_rate", "urban_advantage_per_100k", "oil_price_usd", "upkeep_per_fighter"):
        assert generic[name] != theatre[name], name  # so the check above tells the file from the defaults


def test_the_theatre_s_parameters_are_tagged():
    """Each value of the file says where it comes from: [sourced], [tuned] or [assumption] on its line."""
    lines = [ln for ln in PARAMETERS.read_text().splitlines()
             if ln.startswith("  ") and not ln.lstrip().startswith("#") and ":" in ln
             and ln.split(":")[0].strip() not in ("channel_effects", "alliance")]
    assert lines
    for ln in lines:
        assert any(tag in ln for tag in ("[sourced]", "[tuned]", "[assumption]")), ln


# ---------------------------------------------------------------------- relations between camps
def regime_sdf_battles(overrides: dict, seeds=range(6), until=dt.date(2016, 8, 1)) -> int:
    """Battles between the regime's camp and the SDF, either attacking, before the Hasakah clashes, with the
    regime holding al-Hasakah (as it held quarters of it) and the SDF wanting it as much as anything, so that only
    the relation keeps them apart."""
    over = {"events.hasakah_to_the_regime": {"kind": "capture", "date": "2015-09-28", "place": "hasakah",
                                             "to": "saa", "assumption": "test"},
            "actors.sdf.faction.goals.hasakah": 10, **overrides}
    s = load_scenario(BASE, over).scenario
    out: Counter = Counter()
    for k in seeds:
        m = ConflictModel(s, seed=k)
        for _ in range(horizon_steps(s, until=until)):
            m.step()
        out.update(frozenset((b.attacker_camp, b.defender_camp)) for b in m.recorder.battles)
    return out[frozenset(("regime", "SDF"))]


def test_the_relations_of_the_camps_are_the_scenario_s_with_their_dated_changes():
    s = load_scenario(BASE).scenario
    named = {frozenset(r.camps): r.relation for r in s.relations.values()}
    assert named[frozenset(("regime", "SDF"))] == "neutral"
    assert named[frozenset(("opposition", "SDF"))] == "war"
    changes = sorted((e.date, e.relation) for e in s.events.values() if e.kind == "relation")
    assert changes == [(dt.date(2016, 8, 17), "war"), (dt.date(2016, 8, 23), "truce")]
    m = ConflictModel(s, seed=1)
    seen = []
    for _ in range(horizon_steps(s)):
        seen.append(m.map.relations.between("regime", "SDF"))
        m.step()
    assert seen[0] == "neutral" and "war" in seen and seen.index("war") > 40
    assert seen[seen.index("war") + 1] in ("war", "truce") and "truce" in seen[seen.index("war"):]
    assert all(r == "war" for r in (m.map.relations.between(a, b) for a, b in
                                    [("regime", "opposition"), ("opposition", "SDF"), ("ISIS", "SDF")]))


def test_the_regime_and_the_sdf_do_not_fight_while_neutral_and_do_at_war():
    """The relation, not the lack of a goal, keeps them apart: with the regime holding al-Hasakah next to the
    SDF's home and the SDF wanting it, the scenario's neutrality gives no battle between them before August 2016;
    at war (the relation deleted) they fight."""
    assert regime_sdf_battles({}) == 0
    assert regime_sdf_battles({"relations.regime_sdf": None}) > 0


# ---------------------------------------------------------------------- revenue of places
def test_isis_lives_on_its_places_and_a_holder_change_moves_the_revenue():
    """ISIS's income is the oil and taxes of the places it holds (not its starting cash); handing the oil
    fields of Mayadin to the SDF moves their revenue, all of it, from ISIS to the SDF."""
    s = load_scenario(BASE).scenario
    mayadin = s.territory.places["mayadin"]
    assert mayadin.oil_bpd > 0 and any(r.kind == "taxes" for r in mayadin.revenue)
    isis = s.actors["isis"].faction
    assert isis.cash < 26 * isis.fighters * s.parameters.upkeep_per_fighter  # a reserve of under half a year
    base = ConflictModel(s, seed=1)
    base.step()
    handed = {"events.mayadin_handed": {"kind": "capture", "date": "2015-09-28", "place": "mayadin", "to": "sdf",
                                        "assumption": "test"}}
    moved = ConflictModel(load_scenario(BASE, handed).scenario, seed=1)
    moved.step()
    p = base.params
    weekly = (economy.weekly_revenue(mayadin.oil_bpd, p.oil_price_usd)
              + 60 * mayadin.population / 1e6 / (365 / 7)) * p.revenue_to_cash
    assert base.actor("isis").takings > weekly > 0
    assert base.actor("isis").takings - moved.actor("isis").takings == pytest.approx(weekly)
    assert moved.actor("sdf").takings - base.actor("sdf").takings == pytest.approx(weekly)
    assert base.economy.revenue == 0.0  # nothing is pooled through the capital


def test_the_sdf_pays_its_fighters_from_its_oil():
    """The Kurdish administration's oil pays the SDF: without Rumeilan's output its reserve runs out within the
    first half-year and its unpaid fighters lose cohesion; with it, it stays paid."""
    def sdf_after(overrides: dict, weeks: int = 26):
        m = ConflictModel(load_scenario(BASE, overrides).scenario, seed=1)
        for _ in range(weeks):
            m.step()
        return m.actor("sdf")
    paid, unpaid = sdf_after({}), sdf_after({"territory.places.qamishli.oil_bpd": 0})
    assert paid.cash > 0 and unpaid.cash == pytest.approx(0.0, abs=0.5)
    assert unpaid.cohesion < paid.cohesion - 0.1
