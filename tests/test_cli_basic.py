"""`newsbot --help`, `models list --json`, `doctor --json` through Typer's runner, exit codes and
JSON asserted; one-line errors without tracebacks; import hygiene of the light commands."""

import json
import shutil
import subprocess
import sys

from typer.testing import CliRunner

from bot.cli.app import app
from tests.conftest import MODELS_DIR

runner = CliRunner()


def test_help_lists_every_command():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in ("ingest", "articles", "ask", "brief", "eval", "tui", "models", "doctor"):
        assert cmd in res.output, cmd


def test_models_list_json_shows_defaults_present_and_verified():
    res = runner.invoke(app, ["models", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    for name in ("qwen2.5-coder-1.5b-instruct", "all-minilm-l6-v2"):
        assert rows[name]["present"] and rows[name]["verified"] and rows[name]["default"], rows[name]
    assert rows["qwen2.5-coder-1.5b-instruct"]["role"] == "chat"


def test_doctor_json_reports_settings_origins_and_models(tmp_path):
    res = runner.invoke(app, ["doctor", "--json", "--index", str(tmp_path / "idx")])
    data = json.loads(res.stdout)
    assert data["settings"]["index_dir"] == {"value": str(tmp_path / "idx"), "from": "flag"}
    assert data["settings"]["models_dir"]["from"] == "env:NEWSBOT_MODELS_DIR"
    groups = data["setting_groups"]
    assert list(groups)[:3] == ["index", "ingest", "retrieval"] and "brief_passage_budget" in groups["brief"]["settings"]
    assert sorted(n for g in groups.values() for n in g["settings"]) == sorted(data["settings"])
    assert data["packages"]["llama-cpp-python"] and data["cpu_threads"] >= 1
    # no index there yet: the one problem, exit 4 (index missing), with what to do
    assert data["problems"] == [f"index: no index at {tmp_path / 'idx'}: run `newsbot ingest FOLDER --index "
                                f"{tmp_path / 'idx'}` first."], data["problems"]
    assert not data["ok"] and res.exit_code == 4 and data["index"]["state"] == "missing"


def test_doctor_catches_a_corrupted_model(tmp_path, monkeypatch):
    mdir = tmp_path / "models"
    shutil.copytree(MODELS_DIR / "all-minilm-l6-v2", mdir / "all-minilm-l6-v2")
    onnx = mdir / "all-minilm-l6-v2" / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[1000] ^= 0xFF
    onnx.write_bytes(bytes(data))
    monkeypatch.setenv("NEWSBOT_MODELS_DIR", str(mdir))
    res = runner.invoke(app, ["doctor", "--json"])
    assert res.exit_code == 1
    report = json.loads(res.stdout)
    emb = next(m for m in report["models"] if m["name"] == "all-minilm-l6-v2")
    assert emb["present"] and not emb["verified"] and "sha256" in emb["problem"]
    assert any("all-minilm-l6-v2" in p for p in report["problems"])
    # pull notices the bad file and fetches a good one
    res = runner.invoke(app, ["models", "pull", "all-minilm-l6-v2", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["verified"]


def test_errors_are_one_line_with_exit_code(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense = 1")
    proc = subprocess.run([sys.executable, "-m", "bot", "doctor"], capture_output=True, text=True,
                          env={**_env(), "NEWSBOT_CONFIG": str(bad)})
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("newsbot: Bad config file")
    proc = subprocess.run([sys.executable, "-m", "bot", "models", "pull", "nope"], capture_output=True, text=True, env=_env())
    assert proc.returncode == 3 and "Unknown model" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_option_is_a_usage_error():
    res = runner.invoke(app, ["doctor", "--bogus"])
    assert res.exit_code == 2


def _env():
    import os

    return {k: v for k, v in os.environ.items()}


HEAVY = ("llama_cpp", "chromadb", "onnxruntime", "textual")


def test_help_and_doctor_do_not_import_heavy_modules(tmp_path):
    code = (
        "import sys\n"
        "from bot.cli.app import main\n"
        "for argv in (['--help'], ['doctor', '--json', '--index', %r]):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "print('HEAVY=' + ','.join(m for m in %r if m in sys.modules))\n" % (str(tmp_path / "i"), HEAVY)
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    line = [l for l in proc.stdout.splitlines() if l.startswith("HEAVY=")]
    assert line == ["HEAVY="], proc.stdout[-500:] + proc.stderr[-500:]


def test_core_does_not_import_the_ui():
    code = "import sys, bot.core.answering, bot.core.citations, bot.core.history; print('textual' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "False", proc.stderr



def test_a_closed_pipe_is_not_an_error_message(capfd):
    # `newsbot ask … | head -1`: the reader goes away while newsbot still writes
    import typer

    from bot.cli.app import NewsbotGroup

    piped = typer.Typer(cls=NewsbotGroup)

    @piped.command()
    def write():
        raise BrokenPipeError(32, "Broken pipe")

    @piped.command()
    def other():
        pass

    res = CliRunner().invoke(piped, ["write"])
    assert res.exit_code == 1
    assert "Unexpected error" not in res.output + capfd.readouterr().err
