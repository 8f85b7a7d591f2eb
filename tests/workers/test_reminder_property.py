"""Property: for a scripted timeline and a clock moved day by day (some days without a
sweep), the mails the sweep sends over SMTP are exactly what DOMAIN §4.2 calls for that
day, read literally from the incidents' histories — one per reminder and language, never
again on a later day or a second sweep of the same day."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casemgr.bootstrap import bootstrap
from casemgr.clock import FixedClock
from casemgr.mail import SmtpMailer
from casemgr.reminders import reminder_id
from casemgr.settings import Settings
from events.values import JST, Actor
from tests.app.test_reminders_due import OFFSETS, START, STEPS, move_to, open_incidents, plain_reading
from tests.conftest import OPERATOR

SYSTEM = Actor("system", "sweeper")
DOMAIN = "casemgr.test"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reportable=st.lists(st.booleans(), min_size=1, max_size=2), steps=STEPS,
       skipped=st.sets(st.integers(0, 45), max_size=20), twice=st.sets(st.integers(0, 45), max_size=5))
def test_property_the_mails_of_each_day_are_what_section_4_2_calls_for(tmp_path_factory, smtp_server, reportable,
                                                                        steps, skipped, twice):
    url, mailbox = smtp_server
    folder = tmp_path_factory.mktemp("sweep")
    clock = FixedClock(dt.datetime.combine(START, dt.time(9), JST))
    config = Settings(f"sqlite:///{folder / 'c.sqlite'}", reminder_offsets=OFFSETS, smtp_url=url,
                      base_url=f"https://{DOMAIN}", instance=str(folder))
    with bootstrap(config, clock=clock) as core:
        service = core.service
        core.accounts.add_business("SK-2005-0001", "Example Retail", OPERATOR, contacts=["risk@example.jp"])
        incidents = open_incidents(service, reportable)
        mailer = SmtpMailer(url)
        already = len(mailbox.messages)  # the server lives across examples
        for n in range(46):
            day = move_to(service, clock, incidents, steps, n)
            if n in skipped:
                continue
            expected = set().union(*(plain_reading(core, i, day) for i in incidents))
            for _ in range(2 if n in twice else 1):
                result = service.sweep(SYSTEM, day)
                for key in result.planned:
                    assert service.deliver_reminder(SYSTEM, key, mailer, day).state == "sent"
            mails = mailbox.messages[already:]
            already = len(mailbox.messages)
            wanted = {reminder_id(f"{i}|{d}|{c or ''}|{u.isoformat()}|{o}", DOMAIN) for i, d, c, u, o in expected}
            assert sorted(m["References"] for m in mails) == sorted(wanted), day
            assert all(m["To"] == "risk@example.jp" and m["Content-Language"] == "ja" for m in mails)
