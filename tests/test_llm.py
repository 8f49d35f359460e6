"""The real chat model: load once, short deterministic generation, streaming, prefix reuse and a
readable context-overflow error; plus the scripted fake."""

import pytest

from bot.backends.llm import ContextOverflow, LocalLlama
from tests.fakes import ScriptedModel
from bot.models import resolve_chat_model
from tests.conftest import MODELS_DIR

MSGS = [{"role": "system", "content": "You are a calculator. Reply with the number only."},
        {"role": "user", "content": "What is 2 + 3?"}]


@pytest.mark.slow
def test_real_model_generates_streams_and_reuses_prefix(real_model):
    pieces = list(real_model.stream(MSGS, max_tokens=8))
    assert "5" in "".join(pieces)
    first = real_model.last
    assert first.prompt_tokens > 10 and first.completion_tokens >= 1 and first.first_token_ms > 0
    other = [MSGS[0], {"role": "user", "content": "What is 4 + 4?"}]
    assert "8" in real_model.complete(other, max_tokens=8)
    # the system prompt was processed once: the second call reused it from the KV cache
    assert real_model.last.cached_tokens >= 15


@pytest.mark.slow
def test_context_overflow_is_a_clear_error():
    path = resolve_chat_model("qwen2.5-coder-1.5b-instruct", MODELS_DIR)
    small = LocalLlama(path, n_ctx=512, n_threads=2)
    try:
        long = [{"role": "user", "content": "news " * 900}]
        with pytest.raises(ContextOverflow) as exc:
            list(small.stream(long, max_tokens=16))
        assert "context" in exc.value.one_line().lower() and exc.value.code == 3
    finally:
        small.close()


def test_scripted_model_replays_and_records():
    m = ScriptedModel(["first answer [1].", lambda msgs: "echo " + msgs[-1]["content"]])
    assert m.complete([{"role": "user", "content": "q1"}]) == "first answer [1]."
    assert m.complete([{"role": "user", "content": "q2"}]) == "echo q2"
    assert m.complete([{"role": "user", "content": "q3"}]) == "echo q3"
    assert len(m.history) == 3 and m.last.completion_tokens == 2
