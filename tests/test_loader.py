"""Every kind of bad input gives one clear line (file, line, field) and exit code 2."""

import re
import textwrap

import pytest

from conftest import TOY
from sim.errors import InputError
from sim.scenario import load_scenario

TOY_TEXT = TOY.read_text()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def variant(tmp_path, body, name="variant.yaml"):
    (tmp_path / "toy_war.yaml").write_text(TOY_TEXT)
    return write(tmp_path, name, "extends: toy_war.yaml\n" + textwrap.dedent(body))


def error_of(path, overrides=None) -> InputError:
    with pytest.raises(InputError) as info:
        load_scenario(path, overrides)
    return info.value


def test_toy_scenario_loads():
    s = load_scenario(TOY).scenario
    assert len(s.actors) == 6 and len(s.territory.places) == 5
    assert s.parameters.contest_decisiveness > 0  # generic defaults merged from configs/model.yaml


def test_unknown_key_names_line_and_field(tmp_path):
    p = variant(tmp_path, """\
        actors:
          red_army:
            faction:
              fighterz: 3
        """)
    e = error_of(p)
    assert e.file == str(p) and e.line == 5 and e.field == "actors.red_army.faction.fighterz"
    assert "unknown key" in e.message


def test_unknown_actor_reference(tmp_path):
    p = variant(tmp_path, """\
        ties:
          ghost: {source: nobody, target: red_army, channel: money, level: 0.1, assumption: test}
        """)
    e = error_of(p)
    assert e.field == "ties.ghost.source" and "unknown actor 'nobody'" in e.message and e.line == 3


def test_unknown_place_reference(tmp_path):
    p = variant(tmp_path, """\
        territory:
          roads: [[west, atlantis]]
        """)
    e = error_of(p)
    assert "unknown place 'atlantis'" in e.message and e.field.startswith("territory.roads")
    assert e.line == 3


def test_duplicate_key(tmp_path):
    p = variant(tmp_path, """\
        title: one
        title: two
        """)
    e = error_of(p)
    assert "duplicate key 'title'" in e.message and e.line == 3


def test_wrong_type_and_out_of_range(tmp_path):
    p = variant(tmp_path, "actors: {red_army: {faction: {cohesion: lots}}}\n")
    e = error_of(p)
    assert e.field == "actors.red_army.faction.cohesion" and "number" in e.message
    p = variant(tmp_path, "actors: {red_army: {faction: {cohesion: 1.5}}}\n", name="v2.yaml")
    e = error_of(p)
    assert e.field == "actors.red_army.faction.cohesion" and "less than or equal to 1" in e.message


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    e = error_of(tmp_path / "a.yaml")
    assert "cycle" in e.message and e.field == "extends"


def test_missing_file_and_missing_base(tmp_path):
    e = error_of(tmp_path / "nope.yaml")
    assert e.message.startswith("file not found; scenarios in ")
    p = write(tmp_path, "v.yaml", "title: x\nextends: gone.yaml\n")
    e = error_of(p)
    assert "not found" in e.message and e.line == 2


def test_not_yaml(tmp_path):
    p = write(tmp_path, "bad.yaml", "title: [unclosed\nquestion: x\n")
    e = error_of(p)
    assert "not valid YAML" in e.message
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    e = error_of(p)
    assert "not a text file" in e.message or "not valid YAML" in e.message
    p = write(tmp_path, "list.yaml", "- 1\n- 2\n")
    assert "mapping" in error_of(p).message


def test_unsafe_tags_refused(tmp_path):
    p = write(tmp_path, "evil.yaml", "title: !!python/object/apply:os.system ['echo hacked']\n")
    e = error_of(p)
    assert "not valid YAML" in e.message


def test_alias_bomb_refused_quickly(tmp_path, monkeypatch):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for i in range(9):
        name = chr(98 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    p = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    # refused after building at most MAX_NODES values (of 9**10), whatever the machine's speed
    # (the time it takes is measured in bench/bench_loader.py)
    from sim import yamlio

    built = 0
    build = yamlio._Builder.build

    def counting(self, node, path):
        nonlocal built
        built += self.file == str(p)
        return build(self, node, path)

    monkeypatch.setattr(yamlio._Builder, "build", counting)
    e = error_of(p)
    assert "alias bomb" in e.message and str(yamlio.MAX_NODES) in e.message
    assert built <= yamlio.MAX_NODES + 1


def test_huge_file_refused(tmp_path, monkeypatch):
    p = tmp_path / "huge.yaml"
    p.write_text("x: " + "a" * 3_000_000 + "\n")
    from pathlib import Path

    from sim import yamlio

    real_read = Path.read_text

    def read_text(self, *args, **kwargs):  # refused from its size, before it is read or parsed
        assert self != p, "the huge file was read"
        return real_read(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    e = error_of(p)
    assert "larger than" in e.message and f"({p.stat().st_size} bytes)" in e.message
    # the same text given directly is refused before parsing
    with pytest.raises(InputError, match="larger than"):
        yamlio.load_yaml_text(real_read(p), str(p))


def test_set_overrides(tmp_path):
    s = load_scenario(TOY, {"actors.red_patron.patron.budget": 5.0}).scenario
    assert s.actors["red_patron"].patron.budget == 5.0
    e = error_of(TOY, {"actors.red_patron.patron.budgett": 5.0})
    assert e.file == "--set" and "unknown key" in e.message
    e = error_of(TOY, {"actors.nobody.patron.budget": 1})
    assert e.file == "--set" and e.field == "actors.nobody"


def test_overrides_are_not_changed_by_loading():
    """A mapping given as an override, then a field inside it: the caller's mapping stays as it was
    (so the same overrides give the same scenario every time)."""
    cover = {"source": "blue_patron", "target": "blue_army", "channel": "diplomatic_cover", "level": 1.0,
             "assumption": "test data"}
    overrides = {"ties.cover": cover, "ties.cover.level": 0.5}
    assert load_scenario(TOY, overrides).scenario.ties["cover"].level == 0.5
    assert cover["level"] == 1.0
    assert load_scenario(TOY, {"ties.cover": cover}).scenario.ties["cover"].level == 1.0


def test_variant_deletes_with_null(tmp_path):
    p = variant(tmp_path, "events: {talks: null}\n")
    assert load_scenario(p).scenario.events == {}


@pytest.mark.parametrize("body,needle", [
    ("actors: {red_army: {faction: {fighterz: 3}}}\n", "unknown key"),
    ("ties: {x: {source: nobody, target: red_army, channel: money, level: 0.1, assumption: test}}\n", "unknown actor"),
])
def test_cli_validate_bad_input_exit_2_one_line(tmp_path, body, needle, cli):
    p = variant(tmp_path, body)
    res = cli("validate", p)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert re.match(rf"error: {re.escape(str(p))}:\d+: ", lines[0]) and needle in lines[0]


def test_cli_run_missing_file_and_bad_until(tmp_path, cli):
    res = cli("run", tmp_path / "missing.yaml", "--runs", "1")
    assert res.returncode == 2 and "file not found" in res.stderr and "Traceback" not in res.stderr
    res = cli("run", TOY, "--until", "yesterday")
    assert res.returncode == 2 and "not a date" in res.stderr
    res = cli("run", TOY, "--runs", "0")
    assert res.returncode == 2 and "at least 1" in res.stderr


def test_cli_schema_is_json_schema(cli):
    import json

    res = cli("schema")
    assert res.returncode == 0
    schema = json.loads(res.stdout)
    assert schema["title"] == "libya-sim scenario" and "actors" in schema["properties"]
