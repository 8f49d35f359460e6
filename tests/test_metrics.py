"""Every eval metric against hand-computed cases."""

from __future__ import annotations

import json

import pytest

from bot.core.evaluation import (best_f1, citation_support, contains_answer, load_questions,
                                 percentile, prefix_cache_summary, recall_at_k, reciprocal_rank,
                                 score_answer, summarize, token_f1)
from bot.core.evaluation import render_report as reexported_render_report
from bot.errors import ExitCode, UsageError

from tests.eval_support import ans, q


# -- accepted answers ----------------------------------------------------------------------------
def test_containment_alternatives_case_insensitive():
    assert contains_answer("SIX midwives were suspended.", ["Six|6"])
    assert contains_answer("6 of them", ["Six|6"])
    assert not contains_answer("Seven midwives", ["Six|6"])
    assert contains_answer("Mark   Williams said", ["mark williams"])  # whitespace folded
    assert not contains_answer("anything", [])


def test_containment_match_any_vs_all():
    answers = ["Chen Mingguo", "Xinjiang|XUAR"]
    only_one = "Chen Mingguo was sanctioned."
    both = "Chen Mingguo heads the bureau in XUAR."
    assert contains_answer(only_one, answers, "any")
    assert not contains_answer(only_one, answers, "all")
    assert contains_answer(both, answers, "all")


def test_token_f1_squad_style():
    # normalised: [mark, williams, said] vs [mark, williams] -> P 2/3, R 1, F1 0.8
    assert token_f1("The Mark Williams said.", "Mark Williams") == pytest.approx(0.8)
    assert token_f1("Zinni", "zinni!") == 1.0
    assert token_f1("nothing here", "Zinni") == 0.0
    # tokens are matched as multisets: [b, b, c] vs [b, c] -> common 2, P 2/3, R 1, F1 0.8
    assert token_f1("b b c", "b c") == pytest.approx(0.8)


def test_best_f1_any_and_all():
    assert best_f1("David Hicks", ["David Hicks|Hicks"]) == 1.0
    assert best_f1("Hicks", ["David Hicks|Hicks"]) == 1.0
    # match all: candidates "Chen Xinjiang" (F1 0.8) and "Chen Mingguo Xinjiang" (1.0)
    assert best_f1("Chen Mingguo Xinjiang", ["Chen|Chen Mingguo", "Xinjiang"], "all") == 1.0
    assert best_f1("Chen Xinjiang police", ["Chen|Chen Mingguo", "Xinjiang"], "all") == pytest.approx(0.8)


# -- retrieval ----------------------------------------------------------------------------------
def test_recall_at_k_and_mrr():
    retrieved = ans(retrieved=["a", "b", "a", "c"])["retrieved"]
    assert recall_at_k(retrieved, ["c", "d"], 3) == 0.0
    assert recall_at_k(retrieved, ["c", "d"], 4) == 0.5
    assert recall_at_k(retrieved, ["a"], 1) == 1.0
    assert recall_at_k(retrieved, ["c", "d"]) == 0.5  # no k: every retrieved passage
    assert reciprocal_rank(retrieved, ["c", "d"]) == 0.25
    assert reciprocal_rank(retrieved, ["b"]) == 0.5
    assert reciprocal_rank(retrieved, ["z"]) == 0.0
    assert recall_at_k(retrieved, []) is None and reciprocal_rank(retrieved, []) is None


# -- citations ----------------------------------------------------------------------------------
def test_citation_precision_uses_sentence_flags():
    a = ans("x", sentences=[("s1", [1, 2], True), ("s2", [3], False), ("s3", [], True)])
    assert citation_support(a) == (2, 3)
    s = score_answer(a, q(answers=["x"]))
    assert s["citation_precision"] == pytest.approx(0.6667, abs=1e-4)
    assert score_answer(ans("x"), q(answers=["x"]))["citation_precision"] is None


def test_citation_source_accuracy_and_correct_and_cited():
    gold = q(answers=["500"], sources=["a.txt", "b.txt"], answerable=True)
    ok = score_answer(ans("500 left", cited=["a.txt"]), gold)
    assert ok["correct"] and ok["citation_source_ok"] and ok["correct_and_cited"]
    outside = score_answer(ans("500 left", cited=["a.txt", "z.txt"]), gold)
    assert outside["correct"] and outside["citation_source_ok"] is False and outside["correct_and_cited"] is False
    assert outside["cited_outside"] == ["z.txt"]
    uncited = score_answer(ans("500 left"), gold)
    assert uncited["citation_source_ok"] is False and uncited["correct_and_cited"] is False
    wrong = score_answer(ans("400 left", cited=["a.txt"]), gold)
    assert wrong["citation_source_ok"] is True and wrong["correct_and_cited"] is False and not wrong["passed"]
    refused = score_answer(ans("The articles do not say.", refused=True), gold)
    assert refused["citation_source_ok"] is None  # only answered questions count


# -- refusals -----------------------------------------------------------------------------------
def test_refusal_scoring_per_question():
    answerable = q(answers=["Zinni"], answerable=True)
    # a refusal that happens to contain the answer is still wrong for an answerable question
    s = score_answer(ans("Zinni is not mentioned", refused=True), answerable)
    assert s["correct"] is False and s["f1"] == 0.0 and not s["passed"]
    unanswerable = q(answerable=False)
    assert score_answer(ans("I cannot tell", refused=True), unanswerable)["correct"] is True
    wrong = score_answer(ans("It was $1.20", cited=["a.txt"]), unanswerable)
    assert wrong["correct"] is False and wrong["f1"] is None and not wrong["passed"]
    no_gold = score_answer(ans("anything"), q())
    assert no_gold["correct"] is None and no_gold["passed"]


def test_refusal_precision_recall_and_rates_in_summary():
    qs = [q(id="u1", answerable=False), q(id="u2", answerable=False),
          q(id="a1", answers=["x"], sources=["a"]), q(id="a2", answers=["y"], sources=["b"]),
          q(id="n1")]  # no gold: not part of the refusal metrics
    answers = {"u1": ans("no", refused=True), "u2": ans("it is x", cited=["a"]),
               "a1": ans("x", cited=["a"], retrieved=["a"]), "a2": ans("no", refused=True, retrieved=["c", "b"]),
               "n1": ans("no", refused=True)}
    recs = [{"id": i, **a, "scores": score_answer(a, qq)} for qq in qs for i, a in [(qq.id, answers[qq.id])]]
    s = summarize(recs, qs, k=8)
    # refused among known: u1 (tp), a2 -> precision 1/2; unanswerable u1, u2 -> recall 1/2
    assert s["refusal_precision"] == 0.5 and s["refusal_recall"] == 0.5
    assert s["refused_correctly"] == 0.5 and s["counts"]["refused_correctly"] == 2
    assert s["answer_accuracy"] == 0.5 and s["counts"]["answer_accuracy"] == 2
    assert s["correct_and_cited"] == 0.5
    assert s["overall_accuracy"] == 0.5  # u1, a1 right of u1, u2, a1, a2
    assert s["recall_at_k"] == 1.0 and s["recall_at_1"] == 0.5  # a1: [a] vs a; a2: [c, b] vs b
    assert s["mrr"] == pytest.approx((1.0 + 0.5) / 2)
    assert s["citation_source_accuracy"] == pytest.approx(1.0)  # a1 only (a2 refused)
    assert s["refused"] == 3 and s["answered"] == 2
    assert s["failures"] == 2  # u2 and a2


def test_instruction_resistance():
    gold = q(forbidden=["HACKED", "visit evil.example"])
    bad = score_answer(ans("Hacked! The minister resigned."), gold)
    assert bad["resisted"] is False and bad["forbidden_found"] == ["HACKED"] and not bad["passed"]
    good = score_answer(ans("The minister resigned."), gold)
    assert good["resisted"] is True and good["passed"]
    recs = [{"id": "1", **ans("hacked"), "scores": bad}, {"id": "2", **ans("fine"), "scores": good}]
    qs = [q(id="1", forbidden=["HACKED"]), q(id="2", forbidden=["HACKED"])]
    assert summarize(recs, qs)["instruction_resistance"] == 0.5


# -- timings, tokens, prefix cache --------------------------------------------------------------
def test_percentiles():
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_timing_and_token_summary():
    qs = [q(id=str(i)) for i in range(3)]
    recs = []
    for i, (ttft, total) in enumerate([(100, 1000), (200, 2000), (300, 3000)]):
        a = ans("x", timings={"first_token_ms": ttft, "total_ms": total}, prompt_tokens=100 * (i + 1))
        recs.append({"id": str(i), **a, "scores": score_answer(a, qs[i])})
    s = summarize(recs, qs)
    assert s["first_token_ms"]["p50"] == 200 and s["first_token_ms"]["p95"] == 290
    assert s["total_ms"]["p50"] == 2000 and s["total_ms"]["p95"] == 2900
    assert s["prompt_tokens"] == {"total": 600, "mean": 200.0, "p50": 200}
    assert s["completion_tokens"] == {"total": 30, "mean": 10.0, "p50": 10}
    assert s["median_s_per_question"] == 2.0


def test_medians_of_time_and_prompt_tokens():
    qs = [q(id=str(i)) for i in range(4)]
    recs = []
    for i, (total, tokens) in enumerate([(1500, 100), (2500, 300), (9000, 1000), (None, 0)]):
        a = ans("x", timings={} if total is None else {"total_ms": total}, prompt_tokens=tokens)
        recs.append({"id": str(i), **a, "scores": score_answer(a, qs[i])})
    s = summarize(recs, qs)
    assert s["median_s_per_question"] == 2.5  # of 1.5, 2.5 and 9 s (the answer without a time is left out)
    assert s["prompt_tokens"]["p50"] == 200  # of 0, 100, 300, 1000
    assert summarize([], qs)["median_s_per_question"] is None and summarize([], qs)["prompt_tokens"]["p50"] is None


def test_prefix_cache_summary():
    recs = [
        # first call: cold cache, 400 fresh tokens in 1000 ms -> 400 tok/s
        ans("a", prompt_tokens=400, cached_prompt_tokens=0, timings={"first_token_ms": 1000.0}),
        # 300 of 500 reused; 200 fresh in 550 - 50 (retrieval) ms -> also 400 tok/s
        ans("b", prompt_tokens=500, timings={"retrieve_ms": 50.0, "first_token_ms": 550.0, "cached_prompt_tokens": 300}),
        ans("c", prompt_tokens=50),  # no cache figure (model not called): left out
    ]
    pc = prefix_cache_summary(recs)
    assert pc["reused_tokens"] == 300 and pc["prompt_tokens"] == 900 and pc["model_calls"] == 2
    assert pc["share"] == pytest.approx(0.3333, abs=1e-4)
    assert pc["prompt_tokens_per_s"] == 400.0
    assert pc["est_saved_s"] == 0.75  # 300 tokens / 400 tok/s


# -- questions file -----------------------------------------------------------------------------
def test_load_questions_fields_and_extras(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text('{"id": 1, "question": " Who? ", "answers": ["A|B", "C"], "match": "all", "topic": "x"}\n\n'
                 '{"id": "u", "question": "Why?", "answerable": false}\n', encoding="utf-8")
    a, b = load_questions(p)
    assert a.id == "1" and a.question == "Who?" and a.match == "all" and a.extra == {"topic": "x"}
    assert a.expects_answer is True and b.expects_answer is False and a.line == 1 and b.line == 3
    assert a.gold_text() == "A | B AND C" and b.gold_text() == "(refusal)"


@pytest.mark.parametrize("content,needle", [
    ('{"id": "a", "question": "ok"}\n{"id": "b", "question": \n', "q.jsonl:2: not valid JSON"),
    ('{"id": "a"}\n', "q.jsonl:1: missing or empty 'question'"),
    ('{"question": "x"}\n', "q.jsonl:1: missing 'id'"),
    ('[1, 2]\n', "q.jsonl:1: expected a JSON object"),
    ('{"id": "a", "question": "x"}\n{"id": "a", "question": "y"}\n', "q.jsonl:2: duplicate id 'a' (first on line 1)"),
    ('{"id": "a", "question": "x", "answers": [1]}\n', "'answers' must be a list of strings"),
    ('{"id": "a", "question": "x", "match": "most"}\n', "'match' must be"),
    ('{"id": "a", "question": "x", "answerable": "no"}\n', "'answerable' must be true or false"),
    ('\n\n', "no questions in it"),
])
def test_load_questions_errors(tmp_path, content, needle):
    p = tmp_path / "q.jsonl"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as exc:
        load_questions(p)
    assert needle in exc.value.one_line() and exc.value.code == ExitCode.USAGE
    assert "\n" not in exc.value.one_line()


def test_load_questions_missing_file(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        load_questions(tmp_path / "nope.jsonl")


def test_dev_qa_file_loads():
    import os
    from pathlib import Path

    shared = os.environ.get("NEWSBOT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
    DEV_QA = Path(shared) / "dev_qa.jsonl"
    if not DEV_QA.exists():
        pytest.skip("shared data not present")
    qs = load_questions(DEV_QA)
    assert len(qs) == len([ln for ln in DEV_QA.read_text().splitlines() if ln.strip()])
    assert {x.expects_answer for x in qs} == {True, False}
    assert json.loads(DEV_QA.read_text().splitlines()[0])["id"] == qs[0].id


def test_unknown_fields_carried_through_and_kept_apart_from_answer_keys():
    from bot.core.evaluation import _strip, build_record

    gold = q(id="7", answers=["x"], note="n", model="gold-model")
    rec = build_record(ans("x"), gold, k=8)
    assert rec["id"] == "7" and rec["note"] == "n" and rec["model"] == "m"
    assert rec["input_extra"] == {"model": "gold-model"} and rec["scores"]["correct"] is True
    back = _strip(rec, gold)  # what --resume re-scores: the answer alone
    assert back["model"] == "m" and "note" not in back and "scores" not in back
    assert build_record(back, gold, k=8) == rec


def test_identical_files_count_as_the_same_source():
    """An article stored once for two identical files cites either name."""
    from bot.core.evaluation import Question, score_answer

    ans = {"answer": "David Hicks [1].", "refused": False,
           "sentences": [{"text": "David Hicks", "citations": [1], "supported": True}],
           "citations": [{"n": 1, "source_file": "leebg_116.txt", "files": ["leebg_116.txt", "leebg_120.txt"]}],
           "cited_files": ["leebg_116.txt"],
           "retrieved": [{"source_file": "leebg_116.txt", "files": ["leebg_116.txt", "leebg_120.txt"]}]}
    q = Question(id="x", question="?", answers=["Hicks"], sources=["leebg_120.txt"], answerable=True)
    s = score_answer(ans, q)
    assert s["correct_and_cited"] and s["citation_source_ok"] and s["recall_at_1"] == 1.0 and s["mrr"] == 1.0
    other = dict(ans, citations=[{"n": 1, "source_file": "leebg_200.txt", "files": ["leebg_200.txt"]}],
                 cited_files=["leebg_200.txt"])
    s = score_answer(other, q)
    assert not s["correct_and_cited"] and s["cited_outside"] == ["leebg_200.txt"]


def test_report_names_are_still_importable_from_evaluation():
    from bot.core import eval_markdown

    assert reexported_render_report is eval_markdown.render_report


def test_the_written_question_sets_load_and_name_real_articles():
    """tests/data/*_qa.jsonl (written by helpers for the fresh runs): each loads, its answerable
    questions have answers, and each source it names is an article of the corpus."""
    import os
    from pathlib import Path

    here = Path(__file__).resolve().parent / "data"
    shared = Path(os.environ.get("NEWSBOT_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    files = sorted(here.glob("*_qa.jsonl"))
    assert len(files) >= 6
    corpus = {p.name for p in (shared / "lee_background").glob("*.txt")} | {p.name for p in (shared.parent / "seeds").glob("*")}
    for f in files:
        for x in load_questions(f):
            assert not x.expects_answer or x.answers, f"{f.name} {x.id}: answerable without answers"
            if corpus:
                assert set(x.sources) <= corpus, f"{f.name} {x.id}: unknown source {set(x.sources) - corpus}"
