"""The store's side of `store.proofs`: full archive pages' digests, open pages' chains and the keys
of the newest entries, by feed."""

from __future__ import annotations

from collections.abc import Sequence

from feedsvc.records import Entry, FeedRef
from feedsvc.store import proofs
from feedsvc.store.base import StoreBase, _reads
from feedsvc.store.proofs import KnownPage, PageChain, PageDigest
from feedsvc.store.schema import NEWEST_STUBS, STUB_UPDATED, _stub


class DigestStore(StoreBase):
    """`Store`'s remembered archive page digests and chains."""

    @_reads
    def key_generation(self) -> int:
        """Counts the writes that could change a stored entry's key (`store.proofs`)."""
        return proofs.generation(self._db)

    @_reads
    def known_page(
        self, ref: FeedRef, number: int, place: str, offset: int, generation: int
    ) -> KnownPage | None:
        """Archive page `number`'s remembered digest, if it still holds (`store.proofs.known`)."""
        feed_id = self._feed_id(ref)
        return (
            None
            if feed_id is None
            else proofs.known(self._db, feed_id, number, place=place, offset=offset, gen=generation)
        )

    def remember_pages(self, pages: Sequence[tuple[FeedRef, PageDigest]], generation: int) -> None:
        """Keep full archive pages' digests computed at `generation` (`store.proofs`)."""
        feeds: dict[FeedRef, int | None] = {}
        with self._transaction("remember archive page digests"):
            for ref, _ in pages:
                if ref not in feeds:
                    feeds[ref] = self._feed_id(ref)
            found = [(feed_id, page) for ref, page in pages if (feed_id := feeds[ref]) is not None]
            proofs.remember(self._db, found, generation)

    @_reads
    def page_chain(self, ref: FeedRef, number: int, below: int, generation: int) -> PageChain | None:
        """Archive page `number`'s remembered chain, if it still holds (`store.proofs.chain`)."""
        feed_id = self._feed_id(ref)
        return (
            None if feed_id is None else proofs.chain(self._db, feed_id, number, below=below, gen=generation)
        )

    def remember_chains(self, pages: Sequence[tuple[FeedRef, PageChain]], generation: int) -> None:
        """Keep open archive pages' chains computed at `generation` (`store.proofs`)."""
        with self._transaction("remember open archive pages"):
            found = [(feed_id, page) for ref, page in pages if (feed_id := self._feed_id(ref)) is not None]
            proofs.remember_chains(self._db, found, generation)

    @_reads
    def recent_stubs(
        self, ref: FeedRef, *, limit: int, generation: int, form: str
    ) -> list[tuple[Entry, bytes | None]]:
        """The feed's `limit` newest entries as stubs, newest first, without their text, contributors
        or photos (never rendered: `render.stubs.newest_entries`), each with its key as remembered at
        `generation` by the key definition `form` (`store.proofs`) if the key begins with the stub's
        id, `updated`, path and position, else None."""
        feed_id = self._feed_id(ref)
        if feed_id is None:
            return []
        rows = self._db.execute(NEWEST_STUBS, (feed_id, limit)).fetchall()
        keys = proofs.recent_keys(self._db, feed_id, gen=generation, form=form)
        by_id = {key[: key.find(b"\t")].decode("utf-8", "surrogatepass"): key for key in keys}
        found: list[tuple[Entry, bytes | None]] = []
        for row in rows:
            entry = _stub(row, ())
            key = by_id.get(entry.id)
            # as `render.keys.entry_key` begins, `updated` as the store keeps it: its ISO text (a
            # text written otherwise only leaves the key unused: the entry is read whole)
            if key is not None and not key.startswith(
                f"{entry.id}\t{row[STUB_UPDATED]}\t{entry.path}\t{entry.position}\t".encode(
                    "utf-8", "surrogatepass"
                )
            ):
                key = None
            found.append((entry, key))
        return found

    def remember_recent(
        self, feeds: Sequence[tuple[FeedRef, Sequence[bytes]]], generation: int, form: str
    ) -> None:
        """Keep the keys of feeds' newest entries computed at `generation` by the key definition
        `form` (`store.proofs`)."""
        with self._transaction("remember the newest entries' keys"):
            found = [(feed_id, keys) for ref, keys in feeds if (feed_id := self._feed_id(ref)) is not None]
            proofs.remember_recent(self._db, found, generation, form)
