"""Alembic environment: runs migrations against the URL the helpline was given."""

from __future__ import annotations

from alembic import context

from bot import stats  # noqa: F401  (daily_count)
from bot.db import models  # noqa: F401  (registers the tables on Base.metadata)
from bot.db.base import Base
from bot.db.session import engine_for
from bot.directory import models as directory_models  # noqa: F401

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "bot.db.session.upgrade sets sqlalchemy.url"

with engine_for(url).connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
