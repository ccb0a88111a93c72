"""The pack zip cache: one build per version, bounded by archives and by bytes."""

from __future__ import annotations

from collections.abc import Callable

from dispatch.packs.archive import ZipCache


class Builds:
    """Builders that note what they built."""

    def __init__(self) -> None:
        self.built: list[bytes] = []

    def of(self, data: bytes) -> Callable[[], bytes]:
        def build() -> bytes:
            self.built.append(data)
            return data

        return build


def test_a_version_is_built_once_and_the_least_recently_used_goes_first() -> None:
    cache, builds = ZipCache(max_archives=2), Builds()
    assert cache.get("a", builds.of(b"A")).data == b"A"
    assert cache.get("a", builds.of(b"not built")).data == b"A"
    cache.get("b", builds.of(b"B"))
    cache.get("a", builds.of(b"not built"))  # a is now the most recently used
    cache.get("c", builds.of(b"C"))
    assert [k for k in ("a", "b", "c") if k in cache] == ["a", "c"]
    assert len(cache) == 2
    assert cache.builds == 3
    assert builds.built == [b"A", b"B", b"C"]


def test_the_bytes_held_stay_under_the_bound() -> None:
    cache, builds = ZipCache(max_archives=10, max_bytes=10), Builds()
    cache.get("a", builds.of(b"x" * 6))
    cache.get("b", builds.of(b"y" * 6))
    assert [k for k in ("a", "b") if k in cache] == ["b"]
    # An archive bigger than the whole bound is served but not kept.
    assert cache.get("huge", builds.of(b"z" * 11)).data == b"z" * 11
    assert "huge" not in cache
    assert "b" in cache
    cache.get("huge", builds.of(b"z" * 11))
    assert cache.builds == 4
