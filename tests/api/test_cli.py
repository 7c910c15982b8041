"""`python -m api purge`: the retention run from the command line (for cron), on both stores."""

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from api.channel.models import Conversation
from api.core.migrate import upgrade_to_head
from common.clock import utcnow
from common.config import REPO_ROOT


def test_purge_deletes_old_conversations_from_both_stores(tmp_path):
    app_url, tracker_path = f"sqlite:///{tmp_path / 'app.sqlite3'}", tmp_path / "tracker.sqlite3"
    upgrade_to_head(app_url)
    app = create_engine(app_url)
    with Session(app) as session:
        old = utcnow() - timedelta(days=40)
        session.add_all([
            Conversation(id="old-conversation-0001", channel="rest", last_activity_at=old),
            Conversation(id="new-conversation-0001", channel="rest", last_activity_at=utcnow()),
        ])
        session.commit()
    tracker = create_engine(f"sqlite:///{tracker_path}")
    with tracker.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
                                "data TEXT)"))
        connection.execute(text("INSERT INTO events (sender_id, data) VALUES ('old-conversation-0001', 'x'), "
                                "('new-conversation-0001', 'y')"))

    env = {"DATABASE_URL": app_url, "RASA_TRACKER_SQLITE_PATH": str(tracker_path), "GBO_ENV": "test",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "api", "purge"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deleted 1 conversation(s) older than 30 days"
    with app.connect() as connection:
        kept = connection.execute(text("SELECT id FROM conversation")).scalars().all()
    with tracker.connect() as connection:
        kept_events = connection.execute(text("SELECT sender_id FROM events")).scalars().all()
    assert kept == kept_events == ["new-conversation-0001"]
    rejected = subprocess.run([sys.executable, "-m", "api", "purge", "--days", "0"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, check=False)
    assert rejected.returncode == 2 and "at least 1" in rejected.stderr
