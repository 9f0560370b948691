"""The bibliography, the structured citations and `libya-sim sources`.

The toy war starts on 2020-01-06. seed_000 was published in November 2018 (before it); ap_tbmm on
2020-01-02 (before it); guardian_moscow on 2020-01-14 (after it); wiki_lna has no known date.
"""

import datetime as dt
import re
import subprocess
import textwrap

import pytest

from conftest import ROOT, SCENARIOS, SHIPPED, TOY
from sim.errors import InputError
from sim.scenario import load_scenario
from sim.sources import latest_day, load_bibliography, published_by, register

TOY_TEXT = TOY.read_text()
ABSOLUTE = re.compile(r"(?<![\w.:/~-])/(?:work|home|Users|root|tmp|mnt|opt)/\S*|\.\./shared\b")


def variant(tmp_path, body):
    (tmp_path / "toy_war.yaml").write_text(TOY_TEXT)
    p = tmp_path / "variant.yaml"
    p.write_text("extends: toy_war.yaml\n" + textwrap.dedent(body))
    return p


def error_of(path) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path)
    return info.value


def test_known_sources_published_before_the_start_are_accepted(tmp_path):
    p = variant(tmp_path, """\
        actors:
          red_army:
            sources: [seed_000, ap_tbmm]
        """)
    s = load_scenario(p).scenario
    assert s.actors["red_army"].sources == ["seed_000", "ap_tbmm"]


def test_unknown_source_key_is_one_line_with_file_line_field(tmp_path, cli):
    p = variant(tmp_path, """\
        actors:
          red_army:
            sources: [seed_000,
                      no_such_paper]
        """)
    e = error_of(p)
    assert e.file == str(p) and e.line == 5 and e.field == "actors.red_army.sources.1"
    assert "unknown source 'no_such_paper'" in e.message
    r = cli("validate", p)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"error: {p}:5: actors.red_army.sources.1: unknown source 'no_such_paper' "
        f"(not in {load_bibliography().path})"]
    assert "Traceback" not in r.stderr


def test_source_published_after_the_start_needs_a_reason(tmp_path):
    p = variant(tmp_path, """\
        ties:
          red_money:
            sources: [ap_tbmm, guardian_moscow]
        """)
    e = error_of(p)
    assert e.field == "ties.red_money.sources.1" and e.line == 4
    assert "guardian_moscow" in e.message and "2020-01-14" in e.message and "later_sources" in e.message
    ok = variant(tmp_path, """\
        ties:
          red_money:
            sources: [ap_tbmm, guardian_moscow]
            later_sources: "a later report of a payment made before the start"
        """)
    assert load_scenario(ok).scenario.ties["red_money"].later_sources.startswith("a later report")


def test_source_of_unknown_date_counts_as_later(tmp_path):
    p = variant(tmp_path, """\
        territory:
          places:
            east:
              sources: [wiki_lna]
        """)
    e = error_of(p)
    assert e.field == "territory.places.east.sources.0" and "published unknown" in e.message


def test_an_event_may_cite_what_was_published_by_its_own_date(tmp_path):
    # the toy's 'talks' conference is on 2020-06-01: guardian_moscow (2020-01-14) predates it, not the start
    assert "talks:\n    date: 2020-06-01" in TOY_TEXT
    p = variant(tmp_path, """\
        events:
          talks:
            sources: [guardian_moscow]
        """)
    assert load_scenario(p).scenario.events["talks"].sources == ["guardian_moscow"]


def test_an_item_with_neither_source_nor_assumption_is_refused(tmp_path):
    p = variant(tmp_path, """\
        actors:
          red_army:
            assumption: null
        """)
    e = error_of(p)
    assert e.field == "actors.red_army.sources" and "cites no source and marks no assumption" in e.message


def test_free_text_cite_is_no_longer_part_of_the_format(tmp_path):
    p = variant(tmp_path, """\
        ties:
          red_money:
            cite: "reference: pack_ispi"
        """)
    e = error_of(p)
    assert e.field == "ties.red_money.cite" and "unknown key" in e.message


def test_bibliography_dates():
    assert latest_day("2019") == dt.date(2019, 12, 31)
    assert latest_day("2020-02") == dt.date(2020, 2, 29)
    assert latest_day("2019-11-05") == dt.date(2019, 11, 5)
    bib = load_bibliography()
    assert published_by(bib["seed_004"], dt.date(2018, 1, 1))  # a 2017 article
    assert not published_by(bib["seed_000"], dt.date(2018, 11, 5))  # written 8-12 Nov 2018
    assert not published_by(bib["wiki_civilwar"], dt.date(2020, 1, 15))  # a later publication
    for key, src in bib.sources.items():
        assert src.title or src.published_after, key
        if key.startswith("seed_"):
            assert src.description and src.published, key


def test_bad_bibliography_entry_is_one_line(tmp_path):
    bad = tmp_path / "bib.yaml"
    bad.write_text("sources:\n  good: {title: A title, published: 2019}\n  bad: {title: Another, published: 2019-13}\n")
    with pytest.raises(InputError) as info:
        load_bibliography(bad)
    assert info.value.line == 3 and info.value.field == "sources.bad.published"


def test_sources_command_lists_counts_and_assumptions(cli):
    r = cli("sources", "palermo_failed")
    assert r.returncode == 0, r.stderr
    reg = register(load_scenario(SCENARIOS / "palermo_failed.yaml").scenario)
    assert f"## Sources ({len(reg.counts)})" in r.stdout
    assert f"## Register of assumptions ({len(reg.assumptions)})" in r.stdout
    top = max(reg.counts, key=lambda k: (reg.counts[k], k))
    assert any(line.split()[:2] == [str(reg.counts[top]), f"{top}:"] for line in r.stdout.splitlines())
    assert "- actors.haftar_lna: " in r.stdout


def test_sources_command_on_bad_input_exits_2(cli):
    r = cli("sources", "no_such_scenario.yaml")
    assert r.returncode == 2 and r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_every_shipped_scenario_uses_structured_citations_only():
    for f in SHIPPED:
        text = f.read_text()
        for field in ("cite:", "roads_source:"):
            assert f"\n    {field}" not in text and f" {field} " not in text, (f.name, field)
        load_scenario(f)  # keys resolve, dates checked


def test_no_tracked_file_names_an_absolute_machine_path():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    bad = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix in (".png", ".json"):
            continue
        text = path.read_text(errors="ignore")
        if name == "tests/test_sources.py":
            continue
        # an absolute path starts a word (in a URL the folder follows a host name); '../shared' is a sibling folder
        bad += [(name, m.group(0)) for m in ABSOLUTE.finditer(text)]
    assert not bad, bad


def test_a_variant_that_changes_sources_does_not_inherit_the_base_reason(tmp_path):
    base = variant(tmp_path, """\
        ties:
          red_money:
            sources: [guardian_moscow]
            later_sources: "a later report of a payment made before the start"
        """)
    child = tmp_path / "child.yaml"
    child.write_text("extends: variant.yaml\nties:\n  red_money:\n    sources: [wiki_lna]\n")
    assert load_scenario(base).scenario.ties["red_money"].later_sources
    e = error_of(child)
    assert e.file == str(child) and e.line == 4 and "wiki_lna" in e.message


def test_report_appendix_lists_sources_and_assumptions(palermo_comparison):
    out, _ = palermo_comparison  # `compare palermo_success palermo_failed` (conftest)
    md = (out / "report.md").read_text()
    appendix = md[md.index("## Appendix: what the scenarios rest on"):]
    reg = register(load_scenario(SCENARIOS / "palermo_failed.yaml").scenario)
    assert "### palermo_failed" in appendix and "### palermo_success" in appendix
    assert f"{reg.items} cited items: {reg.sourced} cite at least one source, {reg.assumed} mark" in appendix
    assert "- `actors.haftar_lna`: fighters:" in appendix
    assert "Appendix: what the scenarios rest on" in (out / "report.html").read_text()


def test_viewer_panel_gives_each_actor_and_tie_its_citation_as_a_tooltip():
    import html as htmlmod

    from sim.viz.draw import citations_html
    from sim.viz.model import ViewerModel

    model = ViewerModel(scenario_file=str(SCENARIOS / "palermo_failed.yaml"), seed=1)
    text = citations_html(model)
    s = model.spec
    assert text.count("<li title=") == len(s.actors) + len(s.ties)
    tip = htmlmod.escape("sources: seed_000 (2018-11)", quote=True)
    assert tip in text  # Haftar's first source, with its date
    assert htmlmod.escape("assumption: " + s.ties["uae_lna_drones"].assumption, quote=True) in text
