"""Command line of the application: `python -m api run` starts the product."""

import argparse
import sys
from pathlib import Path

from common.config import ConfigError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start Rasa, the action server and the API")
    run.add_argument("--rasa", type=Path, help="path to the rasa executable (default: .venvs/rasa/bin/rasa)")
    purge = commands.add_parser(
        "purge", help="delete conversations whose last message is older than RETENTION_DAYS (both stores)"
    )
    purge.add_argument("--days", type=int, help="override RETENTION_DAYS for this run")
    users = commands.add_parser("users", help="staff accounts (onthaal, elz, admin)")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    add = user_commands.add_parser("add", help="create an account")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=["onthaal", "elz", "admin"])
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user_commands.add_parser("list", help="list the accounts")
    disable = user_commands.add_parser("disable", help="disable an account (its sessions end at once)")
    disable.add_argument("email")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    if args.command == "run":
        from api.stack import DEFAULT_RASA, Stack, run_forever

        return run_forever(Stack(settings, rasa_executable=args.rasa or DEFAULT_RASA))
    if args.command == "purge":
        return _purge(settings, args.days)
    if args.command == "users":
        return _users(settings, args)
    return 2


def _purge(settings, days: int | None) -> int:
    import asyncio

    from sqlalchemy.exc import SQLAlchemyError

    from api.flows.retention import purge_expired, retry_pending_forgets, sweep_orphaned_tracker_events
    from common.db import get_sessionmaker

    if days is not None:
        if days < 1:
            print("error: --days must be at least 1", file=sys.stderr)
            return 2
        settings = settings.model_copy(update={"retention_days": days})
    try:
        with get_sessionmaker()() as session:
            deleted = asyncio.run(purge_expired(session, settings))
            finished = retry_pending_forgets(session, settings)
            swept = sweep_orphaned_tracker_events(session, settings)
    except SQLAlchemyError as exc:
        print(f"error: cannot purge ({type(exc).__name__}): check DATABASE_URL and RASA_TRACKER_DB_URL",
              file=sys.stderr)
        return 1
    print(f"deleted {deleted} conversation(s) older than {settings.retention_days} days")
    if finished or swept:
        print(f"finished forgetting {finished} conversation(s) in Rasa's tracker store; "
              f"deleted the events of {swept} sender(s) unknown to the API")
    return 0


def _users(settings, args: argparse.Namespace) -> int:
    import getpass

    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from api.accounts.service import UserError, add_user, disable_user, list_users
    from api.core.migrate import upgrade_to_head
    from common.db import make_engine

    try:
        upgrade_to_head(settings.database_url)  # a fresh install has no tables yet
        engine = make_engine(settings.database_url)
        with Session(engine) as session:
            if args.users_command == "add":
                if args.password_stdin:
                    password = sys.stdin.readline().rstrip("\r\n")
                else:
                    password = getpass.getpass("password: ")
                    if getpass.getpass("again: ") != password:
                        print("error: the passwords differ", file=sys.stderr)
                        return 2
                user = add_user(session, args.email, args.role, password)
                print(f"added {user.email} ({user.role})")
            elif args.users_command == "list":
                for info in list_users(session):
                    state = "active" if info.active else "disabled"
                    print(f"{info.email}\t{info.role}\t{state}\t{info.created_at:%Y-%m-%d}")
            elif args.users_command == "disable":
                user = disable_user(session, args.email)
                print(f"disabled {user.email}")
        engine.dispose()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"error: database unavailable ({type(exc).__name__}): check DATABASE_URL", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
