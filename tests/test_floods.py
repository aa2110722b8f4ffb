"""A stranger's allowance: a few answers a minute, then nothing until the minute has passed."""

from services.floods import Allowance


def test_three_a_minute_per_sender():
    now = [0.0]
    allowance = Allowance(3, 60.0, clock=lambda: now[0])
    assert [allowance.take(7) for _ in range(5)] == [True, True, True, False, False]
    assert allowance.take(8)  # another sender has their own
    now[0] = 59.9
    assert not allowance.take(7)
    now[0] = 60.0  # the first three answers are a minute old
    assert [allowance.take(7) for _ in range(4)] == [True, True, True, False]


def test_quiet_senders_are_forgotten(monkeypatch):
    import services.floods

    monkeypatch.setattr(services.floods, "KEEP_SENDERS", 10)
    now = [0.0]
    allowance = Allowance(3, 60.0, clock=lambda: now[0])
    for sender in range(20):
        allowance.take(sender)
    now[0] = 61.0
    allowance.take("new")
    assert len(allowance._seen) == 1
