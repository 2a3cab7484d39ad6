"""Button references: short, stable integers for values too long for a button payload.

Tag keys, paging queries and cursors can exceed Telegram's 64-byte callback data, so a
button carries a reference instead. The same value always gets the same reference, so a
popular page or tag is one read; a write happens only for a new value or to mark an old one
as still in use. References unused for :data:`REF_TTL_SECONDS` may be pruned; their
buttons then say the page expired.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from bot.storage.sql import Database

REF_TTL_SECONDS = 30 * 86400
REF_TOUCH = 86400  # how often a reference in use has its time of use refreshed


class ButtonRefs:
    """The ``button_refs`` table; :class:`bot.storage.chats.ChatRepo` serves it."""

    db: Database

    async def refs(self, values: Sequence[str]) -> list[int]:
        """References for ``values``, in their order."""
        if not values:
            return []
        now = int(time.time())
        d = self.db.dialect
        select = f"SELECT id, value FROM button_refs WHERE value {d.any(1)} AND used_at > $2"
        unique = list(dict.fromkeys(values))
        known = {
            row[1]: int(row[0])
            for row in await self.db.fetch(select, d.array(unique), now - REF_TOUCH)
        }
        # Sorted, so that two writers of overlapping values lock them in one order.
        missing = sorted(value for value in unique if value not in known)
        if missing:
            async with self.db.transaction() as tx:
                await tx.executemany(
                    "INSERT INTO button_refs (value, used_at) VALUES ($1, $2) "
                    "ON CONFLICT (value) DO UPDATE SET used_at = excluded.used_at",
                    [(value, now) for value in missing],
                )
                rows = await tx.fetch(select, d.array(missing), now - 1)
            known.update((row[1], int(row[0])) for row in rows)
        return [known[value] for value in values]

    async def ref(self, value: str) -> int:
        return (await self.refs([value]))[0]

    async def deref(self, ref_id: int) -> str | None:
        """The value behind a reference, or ``None`` if it was pruned."""
        value = await self.db.fetchval("SELECT value FROM button_refs WHERE id = $1", ref_id)
        return str(value) if value is not None else None

    async def prune_refs(self, older_than: int = REF_TTL_SECONDS) -> int:
        cutoff = int(time.time()) - older_than
        return await self.db.execute("DELETE FROM button_refs WHERE used_at < $1", cutoff)
