import asyncio

from channels.sms.ratelimit import RateLimiter, channel_rate


class FakeClock:
    """Time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_unlimited_never_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(100):
        assert await limiter.acquire("ch", None) == 0.0
    assert clock.sleeps == []


async def test_burst_then_steady_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    sent_at = []
    for _ in range(10):
        await limiter.acquire("ch", 2.0)  # 2 per second, burst 2
        sent_at.append(clock.now - start)
    assert sent_at[:2] == [0.0, 0.0]
    assert [round(t, 6) for t in sent_at[2:]] == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]


async def test_concurrent_senders_queue_instead_of_failing() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    start = clock.now
    order: list[tuple[int, float]] = []

    async def send(i: int) -> None:
        await limiter.acquire(7, 5.0, burst=1)
        order.append((i, round(clock.now - start, 6)))

    await asyncio.gather(*(send(i) for i in range(6)))
    assert [i for i, _ in order] == list(range(6))  # first come, first served
    assert [t for _, t in order] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


async def test_channels_have_their_own_buckets() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    await limiter.acquire("a", 1.0)
    assert await limiter.acquire("b", 1.0) == 0.0
    assert await limiter.acquire("a", 1.0) == 1.0


async def test_idle_time_refills_up_to_the_burst_only() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    for _ in range(3):
        await limiter.acquire("ch", 1.0, burst=3)
    clock.now += 3600
    waits = [await limiter.acquire("ch", 1.0, burst=3) for _ in range(4)]
    assert waits == [0.0, 0.0, 0.0, 1.0]


def test_channel_rate_reads_config() -> None:
    assert channel_rate({"max_per_second": 5}) == (5.0, None)
    assert channel_rate({"max_per_second": "2.5", "burst": 10}) == (2.5, 10.0)
    assert channel_rate({}) == (None, None)
    assert channel_rate({"max_per_second": "fast"}) == (None, None)
    assert channel_rate({"max_per_second": 0}) == (None, None)
    assert channel_rate({"max_per_second": True}) == (None, None)
