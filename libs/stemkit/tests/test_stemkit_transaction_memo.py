"""What is remembered during a batch or chunk lasts one transaction, never longer."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stemkit.storage.transaction_memo import forget, memo


async def test_a_memo_lasts_one_transaction_of_the_session(
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with db() as session:
        async with session.begin():
            memo(session, "places")["p"] = "remembered"
            assert memo(session, "places") == {"p": "remembered"}
            assert memo(session, "other") == {}
        assert memo(session, "places") == {}  # committed: a new transaction starts afresh

        await session.begin()
        memo(session, "places")["p"] = "remembered"
        await session.rollback()
        async with session.begin():
            assert memo(session, "places") == {}  # rolled back: forgotten too

            memo(session, "places")["p"] = "remembered"
            forget(session, "places")
            assert memo(session, "places") == {}
