""" "Is this number recorded?": the precedence rule (pure) and the live answer for the
sandbox's numbers, where trunk members follow their trunk's recording mode."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from loquent_desktop.domain.trunks import Trunk, TrunkRecording
from loquent_desktop.services.recordings_coverage import (
    LOQUENT,
    NOBODY,
    OTHER,
    TRUNK,
    who_records,
)

LOQUENT_URL = "https://voice.loquent.example/twilio/voice"


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(coro)


def test_trunk_wins_over_voice_url_then_loquent_other_nobody(qloop, context, sandbox) -> None:
    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    owned = run(qloop, context.numbers.list_owned(org.id))
    run(qloop, context.numbers.import_numbers(org.id, owned))
    answers = run(qloop, context.recordings.coverage.numbers(org.id))
    assert len(answers) == len(owned)
    state = sandbox.server.state
    for answer in answers:
        number = next(n for n in state.numbers.values()
                      if n.phone_number == answer.phone_number)  # fmt: skip
        if number.trunk_sid:
            trunk = state.trunks[number.trunk_sid]
            assert answer.decider == TRUNK
            assert answer.records == (trunk.recording_mode != "do-not-record")
    assert any(a.decider == TRUNK for a in answers)  # the seed puts numbers on trunks
    assert [r for r in sandbox.server.requests() if r.method != "GET"] == []

    base = next(n for n in context.database.phone_numbers.list_for_org(org.id))
    plain = replace(base, trunk_sid=None, voice_application_sid=None)
    trunk = Trunk(
        "TK" + "0" * 32, "Office", None, TrunkRecording("record-from-answer", "trim-silence")
    )
    assert (
        who_records(replace(plain, voice_url="https://crm.example/v"), trunk, LOQUENT_URL).decider
        == TRUNK
    )
    assert (
        who_records(replace(plain, voice_url=LOQUENT_URL + "/"), None, LOQUENT_URL).decider
        == LOQUENT
    )
    other = who_records(replace(plain, voice_url="https://crm.example/v"), None, LOQUENT_URL)
    assert other.decider == OTHER and "crm.example" in other.text
    nobody = who_records(replace(plain, voice_url=None), None, LOQUENT_URL)
    assert nobody.decider == NOBODY and nobody.records is False


def test_loquent_setting_is_local_and_decides_loquent_numbers(qloop, context, sandbox) -> None:
    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    coverage = context.recordings.coverage
    assert run(qloop, coverage.setting(org.id)) is False  # off by default
    sandbox.server.clear_log()
    run(qloop, coverage.set_setting(org.id, True))
    assert run(qloop, coverage.setting(org.id)) is True
    assert sandbox.server.requests() == []  # a Loquent setting: nothing sent to Twilio
    base = next(iter(context.database.phone_numbers.list_for_org(org.id)), None)
    if base is None:
        owned = run(qloop, context.numbers.list_owned(org.id))
        run(qloop, context.numbers.import_numbers(org.id, owned[:1]))
        base = context.database.phone_numbers.list_for_org(org.id)[0]
    plain = replace(base, trunk_sid=None, voice_application_sid=None, voice_url=LOQUENT_URL)
    assert who_records(plain, None, LOQUENT_URL, True).records is True
    assert "on" in who_records(plain, None, LOQUENT_URL, True).text
    assert who_records(plain, None, LOQUENT_URL, False).records is False


def test_one_numbers_answer_from_its_live_configuration(qloop, context, sandbox) -> None:
    """The Voice routing tab's question: from the live fields; the trunk's mode read live,
    Loquent's setting remembered once read (no read at all for a number on no trunk)."""
    from loquent_desktop.domain.voice_route import VoiceConfig

    org = run(qloop, context.organizations.add("Northwind"))
    run(qloop, context.connection.connect(org.id, sandbox.demo_credentials))
    coverage = context.recordings.coverage
    state = sandbox.server.state
    trunk = next(iter(state.trunks.values()))
    on_trunk = run(qloop, coverage.for_number(org.id, "+14155550100", VoiceConfig(
        voice_url="https://crm.example/voice", trunk_sid=trunk.sid)))  # fmt: skip
    assert on_trunk.decider == TRUNK and (trunk.friendly_name or trunk.sid) in on_trunk.text
    assert on_trunk.records == (trunk.recording_mode != "do-not-record")
    ours = VoiceConfig(voice_url=org.effective_voice_url(coverage.default_voice_url))
    fresh = replace(org)
    assert coverage.answer_now(fresh, "+14155550101", ours) is not None  # read just above
    run(qloop, coverage.set_setting(org.id, True))
    sandbox.server.clear_log()
    now = coverage.answer_now(fresh, "+14155550101", ours)
    assert now is not None and now.decider == LOQUENT and now.records is True
    assert coverage.answer_now(fresh, "+1", VoiceConfig(trunk_sid=trunk.sid)) is None
    assert sandbox.server.requests() == []
    other = run(
        qloop, coverage.for_number(org.id, "+1", VoiceConfig(voice_url="https://x.example/v"))
    )
    assert other.decider == OTHER and "x.example" in other.text
