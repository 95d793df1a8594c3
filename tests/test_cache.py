"""The per-process caches on the intake path expire, so changes elsewhere are seen within their ttl."""

import pytest

from amends.core.cache import TtlCache
from amends.core.models import ApiToken

from .conftest import ApiClient, World


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_its_ttl_and_no_longer() -> None:
    clock = FakeClock()
    cache: TtlCache[str] = TtlCache(ttl=30, clock=clock)
    cache.put("a", "value")
    clock.now += 29.9
    assert cache.get("a") == "value"
    clock.now += 0.2
    assert cache.get("a") is None


def test_the_cache_stays_bounded() -> None:
    cache: TtlCache[int] = TtlCache(ttl=30, max_entries=3)
    for n in range(10):
        cache.put(str(n), n)
    assert len(cache._entries) <= 3
    assert cache.get("9") == 9


@pytest.mark.django_db
def test_revoking_a_token_in_this_process_takes_effect_at_once(world: World) -> None:
    from amends.core.services import api_token_revoke

    api = ApiClient(world.alice)
    assert api.get("/cases").status_code == 200  # now remembered
    api_token_revoke(ApiToken.objects.get(user=world.alice))
    assert api.get("/cases").status_code == 401
