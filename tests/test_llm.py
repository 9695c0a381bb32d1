"""LLM answer mode with LangChain's fake chat models: prompt, streaming, deadline, checking."""

from __future__ import annotations

import threading
import time

import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from assistant.llm import (
    REFUSAL,
    LLMConfigError,
    LLMError,
    LLMPassage,
    LLMTimeout,
    build_messages,
    check_answer,
    llm_answer,
    llm_or_none,
    load_chat_model,
    stream_llm_answer,
)
from assistant.settings import Settings

TITLE = "Annual Budapest Process Senior Officials Meeting"
PASSAGES = (
    LLMPassage(1, "Over 100 senior officials from 37 countries and selected international "
               "organisations gathered online for the annual Senior Officials Meeting (SOM) of "
               "the Budapest Process.", TITLE, "bp_som_2021.txt", "2021-03-10"),
    LLMPassage(2, "Deputy Director General Ramazan Seçilmiş from Turkey’s Directorate General "
               "for Migration Management (DGMM) opened the SOM, representing Turkey as Chair to "
               "the Dialogue.", TITLE, "bp_som_2021.txt", "2021-03-10"),
    LLMPassage(3, "The Prague Process Ministerial Conference in Prague adopted the Prague Process "
               "Action Plan for 2023-2027.", "Prague Process Ministerial Conference",
               "pp_ministerial.txt", "2022-10-05", page=4),
)
GOOD = "Over 100 senior officials from 37 countries met online [1]. Ramazan Seçilmiş opened it [2]."


def fake(text: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(text)]))


def run(text: str, **kw):
    return llm_answer("Who opened the SOM?", PASSAGES, model=fake(text), timeout=5, **kw)


class RecordingModel(GenericFakeChatModel):
    """Remembers the messages it was sent; optionally waits before its first token."""

    seen: list = []
    delay: float = 0.0

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(messages)
        time.sleep(self.delay)
        yield from super()._stream(messages, stop=stop, run_manager=run_manager, **kwargs)


# -- checked answers ---------------------------------------------------------------------------


def test_correct_answer_is_kept_and_renumbered_by_first_use():
    checked = run("Ramazan Seçilmiş opened the SOM [2]. Over 100 senior officials from 37 "
                  "countries gathered online [1].")
    assert checked.text == ("Ramazan Seçilmiş opened the SOM [1]. Over 100 senior officials "
                            "from 37 countries gathered online [2].")
    assert checked.cited == (2, 1)
    assert (checked.refused, checked.notes, checked.removed) == (False, (), ())


def test_citation_of_a_passage_that_does_not_exist_is_removed():
    checked = run("Over 100 senior officials from 37 countries met online [1, 7]. "
                  "Turkey chaired the Dialogue [7].")
    assert checked.text == "Over 100 senior officials from 37 countries met online [1]."
    assert checked.cited == (1,)
    # [7] goes; the sentence that cited only [7] is then uncited and dropped too.
    assert checked.notes == ("Removed citation [7]: there are only 3 passages.",
                             "1 sentence without a citation was removed.")
    assert checked.removed == ("Turkey chaired the Dialogue.",)


def test_uncited_sentence_is_dropped_and_noted():
    checked = run(GOOD + " The meeting was a great success for everyone.")
    assert checked.text == GOOD
    assert checked.notes == ("1 sentence without a citation was removed.",)
    assert checked.removed == ("The meeting was a great success for everyone.",)


@pytest.mark.parametrize(
    "wrong",
    [
        "Ramazan Seçilmiş opened the Prague conference [3].",  # cites the wrong passage
        "Over 200 senior officials from 37 countries met online [1].",  # wrong number
        "Over 100 senior officials met in 2019 [1].",  # a year no passage states
        "Hungary hosted the Silk Routes ministerial in Budapest [1].",  # nothing in common
    ],
)
def test_sentence_whose_citation_does_not_support_it_is_dropped(wrong):
    checked = run(f"{GOOD} {wrong}")
    assert checked.text == GOOD
    assert checked.notes == ("1 sentence not supported by the passage it cited was removed.",)
    assert checked.removed == (wrong,)


def test_support_folds_case_and_diacritics_and_uses_title_and_date():
    checked = run("RAMAZAN SECILMIS opened the SOM [2]. The Prague Process Action Plan for "
                  "2023-2027 was adopted in 2022 [3].")
    assert checked.cited == (2, 3) and not checked.notes


def test_citation_sharing_nothing_with_its_sentence_is_trimmed():
    checked = run("Over 100 senior officials from 37 countries met online [1][3].")
    assert checked.text == "Over 100 senior officials from 37 countries met online [1]."
    assert checked.cited == (1,)
    assert checked.notes == (
        "1 citation of a passage that does not support its sentence was removed.",)


def test_list_lead_in_is_kept_only_with_a_surviving_item():
    kept = run("The SOM:\n- gathered over 100 senior officials online [1]\n"
               "- was opened by Ramazan Seçilmiş [2]\n")
    assert kept.text == ("The SOM:\n- gathered over 100 senior officials online [1]\n"
                         "- was opened by Ramazan Seçilmiş [2]")
    dropped = run("Also worth knowing:\n- it adopted a budget of 5 million [1]\n" + GOOD)
    assert dropped.text == GOOD


def test_not_in_documents_is_a_refusal():
    checked = run(REFUSAL)
    assert checked.refused and checked.text == "" and checked.cited == ()
    assert run(f"{REFUSAL}.").refused


def test_nothing_left_is_a_refusal():
    checked = run("The meeting was a great success [1]. Everyone agreed.")
    assert checked.refused and checked.text == "" and checked.cited == ()
    assert len(checked.removed) == 2


def test_passages_must_be_numbered_from_one():
    with pytest.raises(ValueError, match="numbered 1..n"):
        check_answer("x [1].", [LLMPassage(2, "x")])


def test_embeddings_let_a_paraphrase_through():
    from assistant.embeddings import get_embedder

    paraphrase = "The yearly gathering of senior officials took place virtually [1]."
    assert run(paraphrase).refused  # too few shared words on its own
    checked = run(paraphrase, embed=get_embedder().encode)
    assert checked.text == paraphrase and checked.cited == (1,)
    assert run("The meeting was cancelled because of the pandemic [1].",
               embed=get_embedder().encode).refused


# -- prompt ------------------------------------------------------------------------------------


def test_messages_carry_rules_numbered_passages_history_and_question():
    history = [("Where was it?", "It was online [1]."), ("Who chaired?", "Turkey [2][3].")]
    msgs = build_messages("What did he propose?", PASSAGES, history)
    assert [type(m) for m in msgs] == [SystemMessage, HumanMessage, AIMessage, HumanMessage,
                                       AIMessage, HumanMessage]
    system = msgs[0].content
    assert REFUSAL in system and "[1]" in system and "only" in system
    # Old answers lose their markers: those numbers meant other passages.
    assert [m.content for m in msgs[1:5]] == ["Where was it?", "It was online.",
                                              "Who chaired?", "Turkey."]
    last = msgs[-1].content
    assert last.startswith("Passages:\n\n[1] " + TITLE + " | 2021-03-10 | bp_som_2021.txt\n")
    assert "\n\n[3] Prague Process Ministerial Conference | 2022-10-05 | pp_ministerial.txt, " \
           "p. 4\nThe Prague Process" in last
    assert last.endswith("Question: What did he propose?")
    assert len(build_messages("q", PASSAGES, history, max_turns=1)) == 4


def test_the_model_receives_the_history():
    model = RecordingModel(messages=iter([AIMessage(GOOD)]), seen=[])
    text = "".join(stream_llm_answer("And then?", PASSAGES, history=[("Who opened it?", "He.")],
                                     model=model, timeout=5))
    assert text == GOOD
    [sent] = model.seen
    assert [m.content for m in sent[1:3]] == ["Who opened it?", "He."]


# -- streaming, errors, deadline ---------------------------------------------------------------


def test_streaming_yields_several_deltas():
    deltas = list(stream_llm_answer("q", PASSAGES, model=fake(GOOD), timeout=5))
    assert len(deltas) > 5
    assert "".join(deltas) == GOOD


def test_a_failing_model_raises_llm_error_with_the_cause():
    model = FakeListChatModel(responses=[GOOD], error_on_chunk_number=4)
    deltas = []
    with pytest.raises(LLMError, match="failed: FakeListChatModelError") as info:
        for d in stream_llm_answer("q", PASSAGES, model=model, timeout=5):
            deltas.append(d)
    assert "".join(deltas) == GOOD[:4]
    assert type(info.value.__cause__).__name__ == "FakeListChatModelError"


def test_a_model_stuck_before_its_first_token_times_out_on_time():
    model = RecordingModel(messages=iter([AIMessage(GOOD)]), seen=[], delay=3.0)
    start = time.monotonic()
    with pytest.raises(LLMTimeout, match="did not answer within 0.3 s"):
        llm_answer("q", PASSAGES, model=model, timeout=0.3)
    assert time.monotonic() - start < 1.5  # did not wait for the model


def test_a_slow_stream_times_out_midway():
    model = FakeListChatModel(responses=[GOOD], sleep=0.02)  # about 2 s for the whole answer
    deltas = []
    with pytest.raises(LLMTimeout):
        for d in stream_llm_answer("q", PASSAGES, model=model, timeout=0.3):
            deltas.append(d)
    assert 0 < len(deltas) < len(GOOD)
    assert isinstance(LLMTimeout("x"), TimeoutError)


def test_an_abandoned_stream_stops_its_worker():
    model = FakeListChatModel(responses=[GOOD * 20], sleep=0.005)  # about 9 s if not stopped
    before = set(threading.enumerate())
    stream = stream_llm_answer("q", PASSAGES, model=model, timeout=30)
    next(stream)
    [worker] = [t for t in threading.enumerate() if t not in before and t.name == "llm-stream"]
    stream.close()
    worker.join(timeout=2)
    assert not worker.is_alive()


# -- loading -----------------------------------------------------------------------------------


def test_unknown_provider_gives_a_clear_error():
    with pytest.raises(LLMConfigError, match="unknown or unusable provider 'nosuch'") as info:
        load_chat_model("nosuch:some-model")
    assert "anthropic, ollama, openai" in str(info.value)


def test_malformed_spec_gives_a_clear_error():
    for spec in ("gpt-4o-mini", ":gpt-4o", "openai:"):
        with pytest.raises(LLMConfigError, match="must look like provider:model"):
            load_chat_model(spec)


def test_missing_provider_package_names_the_extra():
    pytest.importorskip("langchain_core")
    try:
        import langchain_anthropic  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("langchain-anthropic is installed")
    with pytest.raises(LLMConfigError, match=r"langchain-anthropic package.*\.\[anthropic\]"):
        load_chat_model("anthropic:claude-sonnet-4-5")


def test_llm_or_none():
    assert llm_or_none(Settings(llm=None)) is None
    notes: list[str] = []
    assert llm_or_none(Settings(llm="nosuch:model"), notes=notes) is None
    assert len(notes) == 1 and "nosuch" in notes[0] and "answered extractively" in notes[0]


def test_a_lead_in_before_a_dropped_lead_in_goes_too():
    checked = run("In short:\nIt also noted:\n- a budget of 5 million [1]\n" + GOOD)
    assert checked.text == GOOD
