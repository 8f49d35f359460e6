"""The eval's stages (retrieved, packed, answered, checked, correct), wrong among answered and the
table by question kind, against hand-computed cases."""

from __future__ import annotations

import pytest

from bot.core.evaluation import score_answer, summarize

from tests.eval_support import ans, q


# -- stages, wrong among answered, question kinds -----------------------------------------------
def staged(text="", refused=False, *, model="answered", packed=(), repair=None, rejected=(), **kw):
    """An answer with the optional `packed` and `stages` fields."""
    return ans(text, refused, packed=[{"chunk_id": f"{f}:0", "article_id": f, "source_file": f, "files": [f]}
                                      for f in packed],
               stages={"model": model, "repair": repair, "rejected": list(rejected)}, **kw)


def test_old_answers_leave_the_stages_unknown():
    gold = q(answers=["500"], sources=["a.txt"], answerable=True)
    s = score_answer(ans("500 left", cited=["a.txt"], retrieved=["z.txt", "a.txt"]), gold)
    assert s["gold_retrieved"] is True and s["wrong"] is False and s["lost_at"] is None
    for key in ("gold_packed", "model_answered", "checks_accepted", "repaired"):
        assert s[key] is None, key
    s = score_answer(ans("400 left", cited=["a.txt"], retrieved=["z.txt"]), gold)
    assert s["gold_retrieved"] is False and s["wrong"] is True and s["lost_at"] == "not retrieved"
    s = score_answer(ans("The articles do not say.", refused=True, retrieved=["a.txt"]), gold)
    assert s["wrong"] is None and s["lost_at"] == "refused"  # refused, stage unknown
    assert score_answer(ans("400 left"), q(answers=["500"]))["gold_retrieved"] is None  # no sources


def test_stage_scores_from_packed_and_stages():
    gold = q(answers=["500"], sources=["a.txt"], answerable=True)
    ok = score_answer(staged("500 left", cited=["a.txt"], retrieved=["a.txt"], packed=["a.txt"]), gold)
    assert (ok["gold_retrieved"], ok["gold_packed"], ok["model_answered"], ok["checks_accepted"]) == (True,) * 4
    assert ok["repaired"] is None and ok["wrong"] is False and ok["lost_at"] is None and ok["passed"]

    dropped = score_answer(staged("400", cited=["b.txt"], retrieved=["a.txt", "b.txt"], packed=["b.txt"]), gold)
    assert dropped["gold_retrieved"] is True and dropped["gold_packed"] is False
    assert dropped["lost_at"] == "not packed" and dropped["wrong"] is True

    declined = score_answer(staged("The articles do not say.", True, model="declined", packed=["a.txt"],
                                   retrieved=["a.txt"]), gold)
    assert declined["model_answered"] is False and declined["checks_accepted"] is False
    assert declined["wrong"] is None and declined["lost_at"] == "model declined"

    rejected = score_answer(staged("The articles do not say.", True, packed=["a.txt"], retrieved=["a.txt"],
                                   rejected=["no number in the passage"]), gold)
    assert rejected["model_answered"] is True and rejected["checks_accepted"] is False
    assert rejected["lost_at"] == "checks rejected"

    repaired = score_answer(staged("400 left", cited=["a.txt"], packed=["a.txt"], retrieved=["a.txt"],
                                   repair="quoted_evidence"), gold)
    assert repaired["repaired"] == "quoted_evidence" and repaired["checks_accepted"] is True
    assert repaired["wrong"] is True and repaired["lost_at"] == "wrong answer"

    uncited = score_answer(staged("500 left", packed=["a.txt"], retrieved=["a.txt"]), gold)
    assert uncited["wrong"] is False and uncited["lost_at"] == "not cited"

    no_call = score_answer(staged("The articles do not say.", True, model="none", retrieved=["a.txt"]), gold)
    assert no_call["gold_packed"] is False and no_call["lost_at"] == "not packed"
    no_call = score_answer(staged("The articles do not say.", True, model="none", retrieved=["a.txt"],
                                  packed=["a.txt"]), gold)
    assert no_call["model_answered"] is False and no_call["lost_at"] == "no model call"


def test_packed_passages_count_every_file_of_an_article():
    gold = q(answers=["Hicks"], sources=["leebg_120.txt"], answerable=True)
    a = staged("David Hicks", retrieved=["leebg_116.txt"])
    a["packed"] = [{"chunk_id": "x:0", "article_id": "x", "source_file": "leebg_116.txt",
                    "files": ["leebg_116.txt", "leebg_120.txt"]}]
    a["retrieved"][0]["files"] = ["leebg_116.txt", "leebg_120.txt"]
    s = score_answer(a, gold)
    assert s["gold_retrieved"] is True and s["gold_packed"] is True


def test_wrong_for_unanswerable_and_ungraded_questions():
    unanswerable = q(answerable=False)
    s = score_answer(staged("It was $1.20", repair="retry_best_passage"), unanswerable)
    assert s["wrong"] is True and s["repaired"] == "retry_best_passage" and s["lost_at"] is None
    assert score_answer(staged("No.", True, model="declined"), unanswerable)["wrong"] is None
    assert score_answer(ans("anything"), q())["wrong"] is None  # no gold
    assert score_answer(ans("anything", stages="junk"), unanswerable)["model_answered"] is None


def test_summary_wrong_among_answered_stages_and_kinds():
    qs = [q(id="w1", answers=["Zinni"], sources=["a"], kind="who"),
          q(id="w2", answers=["Hicks"], sources=["b"], kind="who"),
          q(id="n1", answers=["500"], sources=["c"], kind="number"),
          q(id="n2", answers=["6"], sources=["d"], kind="number"),
          q(id="u1", answerable=False, kind="unanswerable"),
          q(id="u2", answerable=False, kind="unanswerable"),
          q(id="x1", answers=["y"])]  # no kind, no sources: "other", not in the funnel
    answers = {
        "w1": staged("Zinni [1]", cited=["a"], retrieved=["a"], packed=["a"]),
        "w2": staged("No.", True, retrieved=["b"], packed=["b"], rejected=["name not in passage"]),
        "n1": staged("400 [1]", cited=["c"], retrieved=["c"], packed=["c"], repair="quoted_evidence"),
        "n2": ans("No.", refused=True, retrieved=["z"]),  # an old answer: no packed, no stages
        "u1": staged("It was $1.20", repair="quoted_evidence"),
        "u2": staged("No.", True, model="declined"),
        "x1": ans("y"),
    }
    recs = [{"id": x.id, **answers[x.id], "scores": score_answer(answers[x.id], x)} for x in qs]
    s = summarize(recs, qs)
    # answered with gold: w1 (right), n1 (wrong), u1 (wrong), x1 (right)
    assert s["wrong_among_answered"] == 0.5 and s["counts"]["wrong_among_answered"] == 4
    st = s["stages"]
    assert st["questions"] == 4  # w1, w2, n1, n2
    assert st["gold_retrieved"] == {"count": 3, "n": 4, "rate": 0.75}
    assert st["gold_packed"] == {"count": 3, "n": 3, "rate": 1.0}  # n2 does not say
    assert st["model_answered"] == {"count": 3, "n": 3, "rate": 1.0}
    assert st["checks_accepted"] == {"count": 2, "n": 3, "rate": pytest.approx(0.6667, abs=1e-4)}
    assert st["correct"] == {"count": 1, "n": 4, "rate": 0.25}
    assert st["lost_at"] == {"checks rejected": 1, "wrong answer": 1, "not retrieved": 1}
    assert st["repairs"] == {"quoted_evidence": 2} and st["repairs_wrong"] == {"quoted_evidence": 2}
    bk = s["by_kind"]
    assert list(bk) == ["who", "number", "unanswerable", "other"]
    assert bk["who"] == {"n": 2, "correct_and_cited": 0.5, "refused_correctly": None, "answered": 1, "wrong": 0,
                         "wrong_among_answered": 0.0}
    assert bk["number"]["correct_and_cited"] == 0.0 and bk["number"]["wrong"] == 1
    assert bk["number"]["wrong_among_answered"] == 1.0
    assert bk["unanswerable"] == {"n": 2, "correct_and_cited": None, "refused_correctly": 0.5, "answered": 1,
                                  "wrong": 1, "wrong_among_answered": 1.0}
    assert bk["other"]["n"] == 1 and bk["other"]["wrong"] == 0


def test_summary_of_old_answers_has_empty_stages():
    qs = [q(id="a", answers=["x"], sources=["a"]), q(id="b", answerable=False)]
    recs = [{"id": "a", **ans("x", cited=["a"], retrieved=["a"]), "scores": score_answer(ans("x", cited=["a"],
                                                                                             retrieved=["a"]), qs[0])},
            {"id": "b", **ans("no", True), "scores": score_answer(ans("no", True), qs[1])}]
    s = summarize(recs, qs)
    assert s["stages"]["gold_retrieved"] == {"count": 1, "n": 1, "rate": 1.0}
    assert s["stages"]["gold_packed"] == {"count": 0, "n": 0, "rate": None}
    assert s["stages"]["repairs"] == {} and s["stages"]["lost_at"] == {}
    assert s["wrong_among_answered"] == 0.0 and s["counts"]["wrong_among_answered"] == 1
    assert list(s["by_kind"]) == ["other"] and s["by_kind"]["other"]["refused_correctly"] == 1.0
