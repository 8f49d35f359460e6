"""scripts/replay_checks.py reads back the model replies an answer's `raw` recorded, one per call."""

import importlib.util
from pathlib import Path


def _script():
    path = Path(__file__).resolve().parents[1] / "scripts" / "replay_checks.py"
    spec = importlib.util.spec_from_file_location("replay_checks", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_recorded_replies_are_split_at_each_calls_label():
    replies = _script().replies
    raw = ("Evidence: none\n--- retry with the best passage alone ---\nEvidence: 3, 4\nAnswer: Ann Vole\n"
           "--- next part ---\nEvidence: 2\nAnswer: 53")
    assert replies(raw) == [("", "Evidence: none"), ("retry with the best passage alone", "Evidence: 3, 4\nAnswer: Ann Vole"),
                            ("next part", "Evidence: 2\nAnswer: 53")]
    assert replies("Evidence: 1\nAnswer: 500") == [("", "Evidence: 1\nAnswer: 500")]
    assert replies("") == [("", "")]
