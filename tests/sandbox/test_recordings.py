"""The emulator's Recordings list, fetch and per-call list (spec-checked through the twilio
library), and its media: a WAV with a real header, Range answers, and the 302 to media
storage that must get no credentials."""

from __future__ import annotations

from typing import Any

import requests

from loquent_desktop.sandbox.resources.recording_media import audio_for


def test_list_filters_and_pages(sandbox: Any) -> None:
    client = sandbox.client()
    recordings = client.recordings.list(page_size=3)
    seeded = sandbox.state.recordings
    assert {r.sid for r in recordings} == set(seeded) and len(recordings) == len(seeded)
    dates = [r.date_created for r in recordings]
    assert dates == sorted(dates, reverse=True)  # newest first
    one = next(iter(seeded.values()))
    by_call = client.recordings.list(call_sid=one.call_sid)
    assert one.sid in {r.sid for r in by_call}
    assert all(r.call_sid == one.call_sid for r in by_call)
    day = one.date_created.strftime("%Y-%m-%d")
    after = client.recordings.list(date_created_after=day)
    assert one.sid in {r.sid for r in after}
    assert all(r.date_created.date() >= one.date_created.date() for r in after)
    fetched = client.recordings(one.sid).fetch()
    assert (fetched.duration, fetched.channels, fetched.source) == (
        str(one.duration), one.channels, one.source,
    )  # fmt: skip
    per_call = client.calls(one.call_sid).recordings.list()
    assert one.sid in {r.sid for r in per_call}


def test_media_redirects_without_credentials_and_honours_range(sandbox: Any) -> None:
    one = next(iter(sandbox.state.recordings.values()))
    url = f"{sandbox.base_url}{sandbox.acct}/Recordings/{one.sid}.wav"
    assert requests.get(url, allow_redirects=False, timeout=10).status_code == 401
    auth = (sandbox.info.account_sid, sandbox.info.auth_token)
    answer = requests.get(url, auth=auth, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert "/media/" in location and "/2010-04-01/" not in location
    body = requests.get(location, timeout=10)
    expected = audio_for(one.sid, one.channels, "wav")
    assert body.status_code == 200 and body.content == expected
    assert body.content[:4] == b"RIFF" and body.content[8:12] == b"WAVE"
    part = requests.get(location, headers={"Range": "bytes=100-"}, timeout=10)
    assert part.status_code == 206 and part.content == expected[100:]
    assert part.headers["Content-Range"] == f"bytes 100-{len(expected) - 1}/{len(expected)}"
    past = requests.get(location, headers={"Range": f"bytes={len(expected)}-"}, timeout=10)
    assert past.status_code == 416
    requests.get(location, auth=auth, timeout=10)  # a careless client
    hits = sandbox.server.media.storage_hits
    assert [h.authorization for h in hits] == [False, False, False, True]
