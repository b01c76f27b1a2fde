"""The command line, as a user runs it: outputs, errors, exit codes, no half-written files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from speech2tei.cli import app
from speech2tei.jsonio import schema_errors

SPEECH = "加强作风建设\n同志们：\n一、提高认识\n主要有三点：一是看清形势；二是找准差距；三是明确方向。\n二、狠抓落实\n"

runner = CliRunner()


@pytest.fixture()
def speech(tmp_path: Path) -> Path:
    path = tmp_path / "speech.txt"
    path.write_text(SPEECH, encoding="utf-8")
    return path


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("speech2tei ")


@pytest.mark.parametrize("command", ["convert", "outline", "validate", "preview", "report"])
def test_every_command_has_help(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_convert_to_json_on_stdout_validates(speech: Path) -> None:
    result = runner.invoke(app, ["convert", str(speech), "--to", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert schema_errors(data) == []
    heads = [n["head"] for n in data["documents"][0]["body"] if n["type"] == "section"]
    assert heads == ["提高认识", "狠抓落实"]


def test_convert_to_a_file_and_refuse_to_overwrite(speech: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    assert runner.invoke(app, ["convert", str(speech), "-o", str(out)]).exit_code == 0
    before = out.read_bytes()
    again = runner.invoke(app, ["convert", str(speech), "-o", str(out)])
    assert again.exit_code == 4  # an output that cannot be written
    assert "output exists" in again.stderr
    assert out.read_bytes() == before
    assert runner.invoke(app, ["convert", str(speech), "-o", str(out), "--force"]).exit_code == 0


def test_outline_json_contract(speech: Path) -> None:
    result = runner.invoke(app, ["outline", str(speech), "--format", "json"])
    assert result.exit_code == 0, result.output
    sections = json.loads(result.stdout)["documents"][0]["sections"]
    assert [(s["depth"], s["marker"], s["head"]) for s in sections] == [
        (1, "一、", "提高认识"), (2, "一是", "看清形势"), (2, "二是", "找准差距"),
        (2, "三是", "明确方向"), (1, "二、", "狠抓落实")]


def test_outline_text_is_indented(speech: Path) -> None:
    result = runner.invoke(app, ["outline", str(speech)])
    assert "\n  一是 看清形势\n" in result.stdout


def test_outline_explain_shows_rejections(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("题目\n一、甲\n要抓好第一要务。首先，我说一点。\n二、乙\n", encoding="utf-8")
    result = runner.invoke(app, ["outline", str(path), "--explain"])
    assert result.exit_code == 0
    assert "reject" in result.stdout and "首先" in result.stdout
    assert "TAKE" in result.stdout


def test_missing_file_is_one_line_with_the_name(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = runner.invoke(app, ["convert", str(missing)])
    assert result.exit_code == 2  # an input that cannot be read
    assert str(missing) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_batch_failure_is_reported_and_the_rest_converted(speech: Path, tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    out = tmp_path / "out"
    result = runner.invoke(app, ["convert", str(speech), str(bad), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 1
    assert (out / "speech.json").exists()
    assert not (out / "empty.json").exists()
    assert "empty.txt" in result.stderr


def test_bad_option_values_are_usage_errors(speech: Path) -> None:
    assert runner.invoke(app, ["convert", str(speech), "--to", "pdf"]).exit_code == 2
    assert runner.invoke(app, ["outline", str(speech), "--format", "xml"]).exit_code == 2


def test_json_round_trip_through_the_cli(speech: Path, tmp_path: Path) -> None:
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    assert runner.invoke(app, ["convert", str(speech), "-o", str(first)]).exit_code == 0
    assert runner.invoke(app, ["convert", str(first), "-o", str(second)]).exit_code == 0
    assert json.loads(first.read_text("utf-8")) == json.loads(second.read_text("utf-8"))


def test_rules_file_adds_a_style_and_forces_a_level(tmp_path: Path) -> None:
    text = tmp_path / "notice.txt"
    text.write_text("通知\n一、要求\n要做到：一须压实责任；二须加强巡查。\n二、措施\n（一）监测\n主要是：一是观测；二是预警。\n",
                    encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text("styles:\n  - name: yi-xu\n    pattern: '(?P<num>{cjk})(?P<kind>须)(?P<delim>)'\n"
                     "    numeral: cjk\n    family: enumeration\n  - name: yi-shi\n    level: 2\n", encoding="utf-8")
    plain = runner.invoke(app, ["outline", str(text), "-f", "json"])
    tuned = runner.invoke(app, ["outline", str(text), "-f", "json", "--rules", str(rules)])
    assert plain.exit_code == tuned.exit_code == 0
    before = [(s["depth"], s["marker"]) for s in json.loads(plain.stdout)["documents"][0]["sections"]]
    after = [(s["depth"], s["marker"]) for s in json.loads(tuned.stdout)["documents"][0]["sections"]]
    assert ("一须" not in [m for _, m in before]) and (2, "一须") in after
    assert (3, "一是") in before and (2, "一是") in after


def test_shipped_rules_example_loads(tmp_path: Path) -> None:
    from conftest import REPO

    result = runner.invoke(app, ["outline", str(REPO / "examples" / "county-roads-speech.txt"),
                                 "--rules", str(REPO / "examples" / "rules-example.yaml")])
    assert result.exit_code == 0, result.output


def test_bad_rules_file_is_a_one_line_usage_error(speech: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("styles:\n  - name: x\n    colour: red\n", encoding="utf-8")
    result = runner.invoke(app, ["outline", str(speech), "--rules", str(rules)])
    assert result.exit_code == 2
    assert "unknown field" in result.stderr and str(rules) in result.stderr


def test_keep_boilerplate_keeps_furniture_as_page_notes(tmp_path: Path) -> None:
    from speech2tei import Options, convert_bytes
    from speech2tei.ledger import check_nothing_lost

    page = "关于做好春耕工作的讲话\n收藏本文 下载本文\n同志们：\n一、抓好备耕\n二、抓好服务\n相关文章\n"
    plain = convert_bytes(page.encode(), "page.txt")
    kept = convert_bytes(page.encode(), "page.txt", Options(keep_boilerplate=True))
    assert any(r.reason == "boilerplate" for r in plain.removed)
    assert not any(r.reason == "boilerplate" for r in kept.removed)
    assert any("收藏本文" in item.text for item in kept.page_front)
    assert check_nothing_lost(page, kept) == []


def test_keep_boilerplate_option_on_the_command_line(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("关于春耕的讲话\n收藏本文 下载本文\n同志们：\n一、抓好备耕\n二、抓好服务\n", encoding="utf-8")
    plain = json.loads(runner.invoke(app, ["convert", str(page)]).stdout)
    kept = json.loads(runner.invoke(app, ["convert", str(page), "--keep-boilerplate"]).stdout)
    assert not any("收藏本文" in item["text"] for item in plain["page"]["front"])
    assert any("收藏本文" in item["text"] for item in kept["page"]["front"])
