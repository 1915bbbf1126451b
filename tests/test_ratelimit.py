"""Rolling windows: never more than N sends in any W-second span, even after a quiet spell."""
from handlers.core.ratelimit import Limit, RateLimiter


def test_robot_limit_holds_in_every_rolling_minute():
    limiter = RateLimiter([Limit("robot", 20, 60.0, key=lambda t: t)])
    sent, now = [], 0.0
    while len(sent) < 65:
        delay = limiter.try_acquire("robot-1", now)
        if delay == 0:
            sent.append(now)
        else:
            now += delay
    for i, t in enumerate(sent):
        in_window = [s for s in sent[i:] if s < t + 60.0]
        assert len(in_window) <= 20
    # and it is not slower than it must be: 65 sends need just over 3 windows
    assert sent[-1] <= 180.0 + 1e-9


def test_limits_combine_and_keys_are_independent():
    limiter = RateLimiter([
        Limit("global", 30, 1.0),
        Limit("chat", 1, 1.0, key=lambda t: t),
    ])
    assert limiter.try_acquire("a", 0.0) == 0
    assert limiter.try_acquire("b", 0.0) == 0
    assert limiter.try_acquire("a", 0.1) > 0.8  # per chat: 1/s
    assert limiter.wait("c", 0.1) == 0


def test_a_key_of_none_skips_that_limit():
    limiter = RateLimiter([Limit("groups", 1, 60.0, key=lambda t: t if t.startswith("g") else None)])
    assert limiter.try_acquire("private", 0) == 0
    assert limiter.try_acquire("private", 0) == 0
    assert limiter.try_acquire("g1", 0) == 0
    assert limiter.try_acquire("g1", 1) == 59


def test_a_send_reserved_ahead_does_not_push_earlier_sends_out_of_the_window():
    """Workers sharing the windows in the database may reserve a slot a moment ahead: recording it must
    not drop the sends that still count for an earlier instant (a second of 2,176 sends was the result)."""
    limiter = RateLimiter([Limit("overall", 3, 1.0)])
    window = limiter.windows[0]
    window.record("all", 9.5, 2)  # two sends at 9.5
    window.record("all", 10.6)  # a third reserved for 10.6
    assert limiter.wait("x", 10.1) > 0  # at 10.1 the span (9.1, 10.6] already holds three
    window.record("all", 10.45)  # recorded out of order, kept in order
    assert list(window._sent["all"]) == [9.5, 9.5, 10.45, 10.6]
    assert limiter.wait("x", 10.55) == 0  # the two at 9.5 have left the window by then
