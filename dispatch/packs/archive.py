"""The download of all a pack's languages (``/packs/{slug}.zip``), built once per approved version.

A build renders every language's page and text and deflates them: the dearest public answer,
and anyone could ask for it in a loop. What it holds depends only on the approved texts and
when each was approved, so each process keeps the archive under a digest of exactly those
(``version``). Approving a new text changes the digest and the next download builds anew; a
draft edit changes nothing readers see, and nothing here. The digest is also the answer's
ETag. The cache is bounded by archives and bytes, the least recently used going first.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dispatch.packs.models import Pack
from dispatch.packs.service import PublicLanguage

PACK_ZIPS_STATE_KEY = "dispatch_pack_zips"


def version(pack: Pack, languages: Sequence[PublicLanguage]) -> str:
    """A digest of everything the archive is built from."""
    material = [
        pack.id,
        pack.slug,
        [
            [
                item.tag,
                item.title,
                item.short,
                item.body,
                item.links,
                item.approved_at.isoformat() if item.approved_at else None,
            ]
            for item in languages
        ],
    ]
    encoded = json.dumps(material, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


@dataclass(frozen=True, slots=True)
class Archive:
    version: str
    data: bytes

    @property
    def etag(self) -> str:
        return f'"{self.version[:32]}"'


class ZipCache:
    """Archives by version, least recently used first out, within both bounds."""

    def __init__(self, *, max_archives: int = 32, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_archives = max_archives
        self.max_bytes = max_bytes
        self._archives: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self.builds = 0
        """Archives built by this process (a repeated download of one version builds none)."""

    def get(self, key: str, build: Callable[[], bytes]) -> Archive:
        """The archive of this version, built now only if this process does not hold it."""
        data = self._archives.get(key)
        if data is not None:
            self._archives.move_to_end(key)
            return Archive(key, data)
        data = build()
        self.builds += 1
        if len(data) <= self.max_bytes:
            self._archives[key] = data
            self._bytes += len(data)
            while len(self._archives) > self.max_archives or self._bytes > self.max_bytes:
                _, dropped = self._archives.popitem(last=False)
                self._bytes -= len(dropped)
        return Archive(key, data)

    def __len__(self) -> int:
        return len(self._archives)

    def __contains__(self, key: object) -> bool:
        return key in self._archives
