"""The misfit checks (bot.core.misfits) on invented sentences: an answer of the right kind that
the evidence gives for another thing than the one asked about."""

import pytest

from bot.core import misfits


def test_a_percentage_sum_or_time_is_not_a_count():
    ev = "Turnout reached 75 per cent of the 16,000 members. The club lost $8 million. Polls shut at 6 pm."
    assert misfits.not_a_count("How many votes did the ticket receive?", "75", ev)
    assert misfits.not_a_count("How many seats were lost?", "8 seats", ev)
    assert misfits.not_a_count("How many polls closed?", "6", ev)
    assert not misfits.not_a_count("How many members does the club have?", "16,000 members", ev)
    assert not misfits.not_a_count("What share of members voted?", "75", ev)  # not a "how many" question


def test_a_name_given_for_another_post_does_not_answer_who_holds_the_post():
    q = "What is the name of the Ruritanian Interior Ministry spokesman who said the mayor was finished?"
    assert misfits.role_missing(q, "Mr Vole was told of it by the Ruritanian Interior Minister, Ann Crane.") == "spokesman"
    assert misfits.role_missing(q, "Ministry spokesman Ann Crane said the mayor was finished.") is None
    assert misfits.role_missing(q, "Ministry spokeswoman Ann Crane said the mayor was finished.") is None
    assert misfits.role_missing("Who won the ferry race?", "Ann Crane won.") is None  # no post asked about
    assert misfits.role_missing("Why did the spokesman resign?", "He was ill.") is None  # not a who question
    assert misfits.misfit(q, "Ann Crane", "Interior Minister Ann Crane spoke.") == "the evidence calls no one the spokesman"


@pytest.mark.parametrize("sentence, counts", [
    ("Four factions of the party agreed on a new shadow cabinet.", False),   # counts factions
    ("The new shadow cabinet has eighteen members.", True),
    ("Eighteen members will sit in the shadow cabinet.", True),
    ("Mr Cole and his 17 fellow cabinet members met in Perth.", True),       # members within three words
    ("The cabinet was formed in 2001 with members from both wings.", False),  # a year is no count
    ("Members of the cabinet: 18.", False),                                   # too far from its number
])
def test_a_count_must_count_the_thing_asked_about(sentence, counts):
    assert misfits.counts_the_thing("How many members does the new shadow cabinet have?", sentence) is counts


def test_another_form_of_the_counted_word_counts_it():
    q = "How many referendums did the lecturer propose?"
    assert misfits.counts_the_thing(q, "The lecturer is proposing three referenda on the question.")
    assert not misfits.counts_the_thing(q, "The lecturer is proposing three reforms to the vote.")


def test_only_how_many_questions_ask_what_a_number_counts():
    assert misfits.counts_the_thing("How old was the skipper?", "The skipper, 53, was shot.")
    assert misfits.counts_the_thing("How many people died in the fire?", "Twelve people died.")


@pytest.mark.parametrize("evidence, is_age", [
    ("The crash killed eight people near the coast.", False),  # a count, not an age
    ("The pilot, a 54-year-old from Perth, survived.", True),
    ("The pilot, aged 54, survived.", True),
    ("The pilot was 54 years old.", True),
    ("Ann Vole, 54, flew the plane.", True),
    ("She retired at 54 after flying for 30 years.", True),
    ("Police said the pilot was 54.", True),
    ("Fifty-four passengers boarded at 9 o'clock.", False),
])
def test_how_old_is_answered_with_a_number_the_evidence_gives_as_an_age(evidence, is_age):
    answer = "8" if "eight" in evidence else "54"
    assert misfits.not_an_age("How old was the pilot?", answer, evidence) is not is_age


def test_only_age_questions_ask_for_an_age():
    assert not misfits.not_an_age("How many people did the crash kill?", "8", "The crash killed eight people.")
    assert misfits.not_an_age("What was the pilot's age?", "8", "The crash killed eight people.")


def test_a_count_of_other_things_is_no_answer_to_how_many():
    q = "How many ferries were operating in the port last year?"
    ev = "At the end of June there were almost 1,200 gaming machines and more than 90 tables in the port."
    assert misfits.misfit(q, "1,200", ev) == "a number the evidence gives for something else"
    assert misfits.misfit(q, "1,200", "Some 1,200 ferries and barges were operating in the port.") is None
    assert misfits.misfit(q, "Twelve ferries.", "The port's twelve operators ran the service.") is None  # the answer says it
    # "How many did she score?" names no thing to count: nothing to check
    assert misfits.misfit("How many did Ann Vole score in the final?", "131", "Vole made 131 in the final.") is None


@pytest.mark.parametrize("evidence, of_the_dead", [
    ("The flood killed eleven people in the valley.", True),
    ("Eleven people died when the dam burst.", True),
    ("In the 1917 battle 11 Australian soldiers lost their lives.", True),
    ("The death toll has risen to 11.", True),
    ("Rescuers pulled 11 people from the rubble alive.", False),
    ("Eleven of the 40 people on board have so far been recovered from the river.", False),
    ("Police said 11 people were injured and two were killed.", False),
])
def test_a_count_of_the_dead_must_be_given_as_one(evidence, of_the_dead):
    q = "How many people were killed when the dam burst?"
    assert misfits.not_the_dead(q, "11", evidence) is not of_the_dead
    assert (misfits.misfit(q, "11", evidence) == "a number the evidence does not give as a count of the dead") is not of_the_dead


def test_only_a_question_counting_the_dead_asks_for_a_count_of_the_dead():
    rescued = "Rescuers pulled 11 people from the rubble alive."
    assert not misfits.not_the_dead("How many people were rescued?", "11", rescued)
    # the death only places the event: the count asked for is of the injured
    assert not misfits.not_the_dead("How many were hurt in the blast that killed two?", "11", "Eleven were hurt.")
    # the number is not in the evidence in any spelling: nothing to read
    assert not misfits.not_the_dead("How many people died?", "12", "Dozens died.")


def test_a_feature_of_another_kind_does_not_answer_which_sea_or_river():
    assert misfits.other_feature("In which sea was the ferry Orin sailing?", "It was in the Coral Ocean.") == "ocean"
    assert misfits.other_feature("Which river flows past the mill?", "Lake Tarn") == "lake"
    # the kind asked for, in either place of the name, or a name that does not say its kind
    assert misfits.other_feature("In which sea was the ferry?", "In the Sea of Orin") is None
    assert misfits.other_feature("Which river flows past the mill?", "The Tarn River, not Lake Tarn") is None
    assert misfits.other_feature("Which mountain did they climb?", "Mt Orin") is None
    assert misfits.other_feature("Which river flows past the mill?", "The Tarn") is None
    assert misfits.other_feature("Which country won?", "The Orin Islands") is None  # not a natural feature asked
    assert misfits.misfit("In which sea was the ferry?", "The Coral Ocean", "The ferry is in the Coral Ocean.") \
        == "an ocean, not the sea asked for"


def test_a_person_told_by_age_is_named_only_by_a_sentence_that_gives_the_age():
    q = "What is the name of the 21-year-old man police interviewed over the theft of a car in Tarn?"
    ev = "Police have interviewed a 21-year-old man over the theft. Senior Sergeant Ann Vole says the car was found."
    assert misfits.name_not_by_age(q, "Ann Vole", ev)  # the officer who spoke, not the man
    assert misfits.misfit(q, "Ann Vole", ev) == "a name the evidence does not give for the person of the age asked about"
    assert not misfits.name_not_by_age(q, "Tom Birch", ev + " The man, Tom Birch, 21, will appear in court.")
    assert not misfits.name_not_by_age(q, "Tom Birch", "Police interviewed 21-year-old Tom Birch over the theft.")
    assert not misfits.name_not_by_age(q, "Tom Birch", "Police interviewed Tom Birch, aged 21, over the theft.")
    assert not misfits.name_not_by_age("Who did police interview over the theft in Tarn?", "Ann Vole", ev)  # no age asked
    assert not misfits.name_not_by_age("What are the names of the three 15-year-old boys arrested?",
                                       "Tom Birch, Ann Vole and Bob Orin", "Three boys aged 15, Tom Birch, Ann Vole and Bob Orin, were arrested.")


def test_a_margin_is_no_total():
    ev = "Tarn has beaten Orin by 146 runs in the first Test at Vale Oval."
    q = "What total was Orin bowled out for in its first innings?"
    assert misfits.a_margin(q, "146", ev)
    assert misfits.misfit(q, "146", ev).startswith("a margin or change")
    assert not misfits.a_margin("By how many runs did Tarn win?", "146", ev)  # a question about the difference
    assert not misfits.a_margin("What was the margin of Tarn's win?", "146", ev)
    assert not misfits.a_margin(q, "274", "Orin was dismissed for 274. Tarn won by 146 runs.")
    assert not misfits.a_margin(q, "146", "Orin made 146. Tarn won by 146 runs.")  # given once as a total too
    # who did it, not by how much: "backed by 60 per cent of voters"
    assert not misfits.a_margin("What share of voters back the Tarn plan?", "60 per cent",
                                "The Tarn plan is backed by 60 per cent of voters.")
    assert not misfits.a_margin("What was the vote on the Tarn bill?", "15", "The Tarn bill passed by 15 votes to eight.")  # a tally
