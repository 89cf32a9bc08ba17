"""The weekly page-load digest through the delivery engine: figures, chart upload, sleep-hour
pages with classification buttons that stay until classified, quiet weeks, configured times;
and `/oncall load` on demand."""

from __future__ import annotations

import io
import json
from datetime import time

import pytest
from PIL import Image
from sqlalchemy import select

from bot.features import all_jobs
from bot.jobs.engine import DeliveryEngine
from handlers.pages.chart import COLORS, pages_per_day_png
from handlers.pages.jobs import PageLoadDigest
from models import AuditEntry, Page, PageSuggestion, Ritual, Workspace
from models.pages.formats import PARSERS
from models.pages.ingest import ingest
from models.pages.integrations import Integration, add_integration
from models.pages.pages import BUSINESS, OFF, SLEEP
from tests.conftest import START
from tests.factories import alert, make_rotation, utc

CHANNEL = "C0PAYMENTS"
DIGEST_AT = utc(2026, 3, 9, 8)  # Monday 09:00 in Berlin


WEEK = [
    alert("mon-day", "2026-03-02T12:00:00Z"),
    alert("tue-night", "2026-03-03T02:00:00Z"),  # 03:00 for Ana in Berlin
    alert("tue-day", "2026-03-03T10:00:00Z"),
    alert("thu-night", "2026-03-04T23:30:00Z"),
    alert("thu-day", "2026-03-05T10:00:00Z", "ledger", "DiskFull"),
    alert("fri-dawn", "2026-03-06T05:00:00Z"),
]


@pytest.fixture
def team(db):
    rotation = make_rotation(db)  # Ana on call from Mon 2 Mar 10:00 Berlin
    workspace = db.get(Workspace, rotation.workspace_id)
    integration, _ = add_integration(
        db, workspace, rotation.team, source="generic", now=START, rotation="payments-primary"
    )
    ingest(db, integration, PARSERS["generic"]({"alerts": WEEK}, START), now=START)
    db.commit()
    return rotation.team


@pytest.fixture
def digests(session_factory, deps, clock, settings) -> DeliveryEngine:
    engine = DeliveryEngine(
        session_factory, deps.client, clock, settings, jobs=[PageLoadDigest()], worker="w"
    )
    engine.tick()  # the first tick starts the clock at START
    return engine


def page_id(db, key: str) -> int:
    return db.scalar(select(Page.id).where(Page.external_key == key))


def block_texts(message: dict) -> list[str]:
    out = []
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(element.get("text") if isinstance(element.get("text"), str) else "")
    return out


def test_the_job_is_registered():
    assert "pageload-digest" in {job.kind for job in all_jobs()}


def test_weekly_digest_with_chart_sleep_pages_and_suggestions(digests, clock, slack, db, team):
    clock.set(DIGEST_AT)
    assert digests.tick().sent == ["pageload-digest:payments:2026-03-09"]
    [message] = slack.posted(CHANNEL)
    texts = "\n".join(block_texts(message))
    assert message["blocks"][0]["text"]["text"] == "Page load: payments, Mon 02 Mar – Sun 08 Mar"
    assert (
        "*6 pages* (up from 0 in the 7 days before): 3 in sleep hours, 0 off-hours, 3 in business"
        in texts
    )
    on_call = "on call 158 h: 48 h business, 62 h off, 48 h weekend"
    assert f"• <@U0ANA>: 6 pages (3 sleep, 0 off-hours) · {on_call}" in texts
    assert "*Noisiest alerts:* HighErrorRate (5), DiskFull (1)" in texts
    assert "*Not in the catalog:* billing-api (5), ledger (1)" in texts
    assert "*Needed no action:* no page classified yet" in texts
    assert "Suggested for the backlog (`/priority`): billing-api (5 pages in 4 weeks)" in texts
    buttons = [b for b in message["blocks"] if b["type"] == "actions"]
    night = [page_id(db, k) for k in ("tue-night", "thu-night", "fri-dawn")]
    assert [b["block_id"] for b in buttons] == [f"page_{i}" for i in night]
    assert [e["action_id"] for e in buttons[0]["elements"]] == [
        "page_classify_action_taken",
        "page_classify_threshold_wrong",
        "page_classify_check_faulty",
        "page_classify_downtime_not_set",
        "page_classify_duplicate",
    ]
    assert {e["value"] for e in buttons[1]["elements"]} == {str(night[1])}
    assert db.scalar(select(PageSuggestion.service)) == "billing-api"

    [complete] = slack.calls_to("files.completeUploadExternal")
    assert complete.body["channel_id"] == CHANNEL
    file_id = json.loads(complete.body["files"])[0]["id"]
    assert slack.uploads[file_id]["filename"] == "page-load-payments-2026-03-09.png"
    assert slack.uploads[file_id]["bytes"] > 1000

    clock.set(DIGEST_AT.replace(hour=9))
    assert digests.tick().sent == []  # once


def title_strip(png: bytes) -> bytes:
    """The chart's title as drawn (left of the legend)."""
    return Image.open(io.BytesIO(png)).convert("RGB").crop((0, 0, 440, 30)).tobytes()


def test_the_chart_title_is_drawn_with_glyphs_its_font_has(digests, clock, slack, db, team):
    """The chart title showed a missing-glyph box instead of the dash."""
    assert title_strip(pages_per_day_png({}, "a – b")) == title_strip(
        pages_per_day_png({}, "a - b")
    )
    assert title_strip(pages_per_day_png({}, "a – b")) != title_strip(pages_per_day_png({}, "a b"))
    clock.set(DIGEST_AT)
    digests.tick()
    [upload] = [u for u in slack.uploads.values() if u.get("content")]
    assert upload["content"].startswith(b"\x89PNG")
    drawn = pages_per_day_png({}, "Page load: payments, Mon 02 Mar - Sun 08 Mar")
    assert title_strip(upload["content"]) == title_strip(drawn)


def test_sleep_pages_to_classify_are_the_weeks_and_earlier_ones_are_apart(
    digests, clock, slack, db, team
):
    """The digest said "7 pages ... 1 in sleep hours", then listed three sleep-hour pages to
    classify, one of them from before its own window."""
    integration = db.get(Integration, db.scalars(select(Page.integration_id)).first())
    before = alert("sun-night", "2026-03-01T01:00:00Z")  # Sun 1 Mar 02:00 in Berlin
    ingest(db, integration, PARSERS["generic"]({"alerts": [before]}, START), now=START)
    db.commit()
    assert db.get(Page, page_id(db, "sun-night")).hour_class == SLEEP
    clock.set(DIGEST_AT)
    digests.tick()
    [message] = slack.posted(CHANNEL)
    texts = block_texts(message)
    assert "3 in sleep hours" in texts[1]
    week = [page_id(db, k) for k in ("tue-night", "thu-night", "fri-dawn")]
    ids = [b["block_id"] for b in message["blocks"] if b["type"] == "actions"]
    assert ids == [f"page_{i}" for i in week] + [f"page_{page_id(db, 'sun-night')}"]
    heads = [t for t in texts if "to classify" in t]
    assert heads == [
        "*Sleep-hour pages this week to classify* (3):",
        "*Still to classify from before this week* (1):",
    ]
    at = [i for i, b in enumerate(message["blocks"]) if "to classify" in str(b)]
    assert at[0] < message["blocks"].index(
        next(b for b in message["blocks"] if b.get("block_id") == f"page_{week[0]}")
    )


def test_classifying_brings_the_digests_figures_up_to_date(digests, clock, slack, db, team, driver):
    """After pages were classified, "Needed no action: no page classified yet" stayed."""
    clock.set(DIGEST_AT)
    digests.tick()
    [message] = slack.posted(CHANNEL)
    first, second = page_id(db, "tue-night"), page_id(db, "thu-night")
    driver.action("page_classify_duplicate", str(first), message=message)
    [update] = slack.calls_to("chat.update")
    texts = block_texts(update.body)
    assert "*Needed no action:* 1 of 1 classified pages (100%)" in "\n".join(texts)
    assert "*Needed no action:* no page classified yet" not in "\n".join(texts)
    assert "*Sleep-hour pages this week to classify* (2):" in texts
    message = {**message, "blocks": update.body["blocks"]}
    driver.action("page_classify_action_taken", str(second), message=message)
    texts = "\n".join(block_texts(slack.calls_to("chat.update")[-1].body))
    assert "*Needed no action:* 1 of 2 classified pages (50%)" in texts
    assert "*Sleep-hour pages this week to classify* (1):" in texts
    assert "Classified as *duplicate* by <@U0ANA>" in texts


def test_only_the_team_or_the_paged_person_classify(digests, clock, slack, db, team, driver):
    slack.add_user("U0OUT", "Otto Outsider", "UTC")
    clock.set(DIGEST_AT)
    digests.tick()
    [message] = slack.posted(CHANNEL)
    first = page_id(db, "tue-night")
    answer = driver.action("page_classify_duplicate", str(first), user="U0OUT", message=message)
    assert answer.status == 200
    [note] = slack.calls_to("chat.postEphemeral")
    assert (note.body["channel"], note.body["user"]) == (CHANNEL, "U0OUT")
    assert note.body["text"] == (
        "Only payments' members, leads, the person it paged or a workspace admin can classify "
        "this page. It's left as it was."
    )
    assert slack.calls_to("chat.update") == []
    db.expire_all()
    assert db.get(Page, first).classification is None
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "page.classify")) is None

    driver.action("page_classify_duplicate", str(first), user="U0LEAD", message=message)
    db.expire_all()
    assert db.get(Page, first).classified_by.slack_user_id == "U0LEAD"


def test_the_paged_person_classifies_though_not_in_the_team(digests, clock, db, slack, driver):
    slack.add_user("U0EVE", "Eve Elsewhere", "UTC")
    rotation = make_rotation(db, members=("U0EVE",))
    workspace = db.get(Workspace, rotation.workspace_id)
    integration, _ = add_integration(
        db, workspace, rotation.team, source="generic", now=START, rotation="payments-primary"
    )
    ingest(db, integration, PARSERS["generic"]({"alerts": WEEK[1:2]}, START), now=START)
    db.commit()
    night = page_id(db, "tue-night")
    assert db.get(Page, night).person.slack_user_id == "U0EVE"
    clock.set(DIGEST_AT)
    digests.tick()
    [message] = slack.posted(CHANNEL)
    driver.action("page_classify_check_faulty", str(night), user="U0EVE", message=message)
    assert slack.calls_to("chat.postEphemeral") == []
    db.expire_all()
    assert db.get(Page, night).classification == "check_faulty"


def test_classifying_replaces_the_buttons_and_the_page_leaves_the_list(
    digests, clock, slack, db, team, driver
):
    clock.set(DIGEST_AT)
    digests.tick()
    [message] = slack.posted(CHANNEL)
    first = page_id(db, "tue-night")
    answer = driver.action("page_classify_threshold_wrong", str(first), message=message)
    assert answer.status == 200
    db.expire_all()
    page = db.get(Page, first)
    assert (page.classification, page.classified_by.slack_user_id) == ("threshold_wrong", "U0ANA")
    [update] = slack.calls_to("chat.update")
    replaced = [b for b in update.body["blocks"] if b.get("block_id") == f"page_{first}"]
    assert replaced == []
    assert "Classified as *threshold wrong* by <@U0ANA>" in str(update.body["blocks"])
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "page.classify"))
    assert (entry.subject, entry.after) == (f"page {first}", {"classification": "threshold_wrong"})

    # A quiet week: a short post, and the two sleep-hour pages still waiting are listed again.
    clock.set(utc(2026, 3, 16, 8))
    assert digests.tick().sent == ["pageload-digest:payments:2026-03-16"]
    quiet = slack.posted(CHANNEL)[-1]
    assert quiet["text"] == "No pages this week for *payments*. :sleeping:"
    waiting = [b["block_id"] for b in quiet["blocks"] if b["type"] == "actions"]
    assert waiting == [f"page_{page_id(db, 'thu-night')}", f"page_{page_id(db, 'fri-dawn')}"]
    assert len(slack.calls_to("files.completeUploadExternal")) == 1  # no chart for no pages


def test_a_quiet_week_with_nothing_waiting_is_one_short_post(digests, clock, slack, db, team):
    for page in db.scalars(select(Page)):
        page.classification = "duplicate"
    db.commit()
    clock.set(DIGEST_AT)
    digests.tick()
    assert "*Needed no action:* 6 of 6 classified pages (100%)" in str(slack.posted(CHANNEL))
    clock.set(utc(2026, 3, 16, 8))
    digests.tick()
    [_, message] = slack.posted(CHANNEL)
    assert message["text"] == "No pages this week for *payments*. :sleeping:"
    assert len(message["blocks"]) == 1


def test_a_pageload_digest_ritual_sets_the_day_and_time_or_turns_it_off(db, team):
    job = PageLoadDigest()
    week = (utc(2026, 3, 9), utc(2026, 3, 16))
    assert [d.due_at for d in job.due(db, *week)] == [DIGEST_AT]
    ritual = Ritual(
        workspace_id=team.workspace_id,
        team_id=team.id,
        kind="pageload-digest",
        days="5",
        at=time(16, 0),
        created_at=START,
    )
    db.add(ritual)
    db.commit()
    [due] = job.due(db, *week)
    assert (due.key, due.due_at, due.stale_after) == (
        "pageload-digest:payments:2026-03-13",
        utc(2026, 3, 13, 15),
        None,
    )
    ritual.enabled = False
    db.commit()
    assert list(job.due(db, *week)) == []


def test_the_chart_is_a_png_with_bars_in_the_hour_class_colours():
    from datetime import date

    per_day = {date(2026, 3, d): {SLEEP: 0, OFF: 0, BUSINESS: 0} for d in range(2, 9)}
    per_day[date(2026, 3, 3)] = {SLEEP: 4, OFF: 0, BUSINESS: 0}
    png = pages_per_day_png(per_day, "Pages per day")
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (800, 400))
    pixels = {c: n for n, c in image.convert("RGB").getcolors(100_000)}
    assert pixels[COLORS[SLEEP]] > 10_000  # a bar (legend swatches are 11 x 11)
    assert pixels[COLORS[BUSINESS]] == pixels[COLORS[OFF]] == 121


# -- /oncall load ------------------------------------------------------------------------------


def test_oncall_load_shows_the_figures_for_the_channels_team(driver, clock, team):
    clock.set(DIGEST_AT)
    answer = driver.command("/oncall", "load", channel="C0PAYMENTS")
    assert answer.json["response_type"] == "ephemeral"
    assert "*6 pages* (up from 0 in the 7 days before)" in answer.text
    assert "<@U0ANA>: 6 pages (3 sleep, 0 off-hours)" in answer.text
    month = driver.command("/oncall", "load payments 30d", channel="C0OTHER")
    assert "(up from 0 in the 30 days before)" in month.text
    clock.set(utc(2026, 9, 1))
    assert (
        "*0 pages* (down from 2 in the 90 days before)"
        in driver.command("/oncall", "load payments 90d").text
    )


def test_oncall_load_for_an_unknown_team_says_which_exist(driver, team):
    answer = driver.command("/oncall", "load nope")
    assert "There is no team called `nope`. Teams: payments." in answer.text
    assert "/oncall load [team] [7d|30d|90d]" in answer.text
    assert "/oncall load" in driver.command("/oncall", "help").text


def test_oncall_load_for_a_window_it_does_not_keep_names_the_windows(driver, team):
    """`8d` was taken for a team's name: "There is no team called `8d`"."""
    for window in ("8d", "2w", "14"):
        answer = driver.command("/oncall", f"load payments {window}")
        assert f"`{window}` isn't a window I know: 7d, 30d or 90d." in answer.text
        assert "Usage: /oncall load [team] [7d|30d|90d]" in answer.text


def test_alerts_from_outside_never_ping_or_link(digests, clock, slack, db, team, driver):
    """Titles, alert and service names come from whoever sends the webhook: shown as words."""
    integration = db.get(Integration, db.scalars(select(Page.integration_id)).first())
    loud = {
        "key": "loud",
        "title": "<!channel> Disk & <https://evil.example|fix> https://evil.example/x",
        "alert": "<!here> R&D",
        "service": "<!subteam^S0OPS>",
        "started_at": "2026-03-04T02:00:00Z",  # 03:00 in Berlin: a sleep-hour page
    }
    ingest(db, integration, PARSERS["generic"]({"alerts": [loud]}, START), now=START)
    db.commit()
    clock.set(DIGEST_AT)
    digests.tick()
    load = driver.command("/oncall", "load payments", user="U0LEAD")
    sent = json.dumps([load.json] + [c.body for c in slack.calls])
    assert "<!" not in sent and "<http" not in sent and "https://evil" not in sent
    texts = "\n".join(block_texts(slack.posted(CHANNEL)[-1]))
    assert "*@channel Disk &amp; fix (`evil.example`) `evil.example/x`* · @user-group" in texts
    assert "@here R&amp;D (1)" in texts
