"""Command line: python -m dialogue search "need words" [--postcode 1030] [--lang fr] — the service cards
the assistant and the API would propose, for checking the directory and the matcher by hand."""

import argparse
import sys

from sqlalchemy.orm import Session

from common.db import get_engine


def cmd_search(args: argparse.Namespace) -> int:
    from dialogue.service_cards import SearchInputError, search_services

    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            result = search_services(
                session,
                q=args.q,
                category_ids=args.category,
                postcode=args.postcode,
                lang=args.lang,
                limit=args.limit,
            )
        except SearchInputError as exc:
            print(exc, file=sys.stderr)
            return 2
    for c in result["categories"]:
        print(f"need: {c['id']} {c['name']} ({c['score']})")
    for s in result["services"]:
        addr = s["address"] or {}
        print(
            f"- {s['name']} — {addr.get('street', '')} {addr.get('postcode', '')} "
            f"[{', '.join(s['languages'])}] {'; '.join(s['why'])}"
        )
    return 0



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dialogue")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("search", help="the service cards the assistant would propose")
    p.add_argument("q", nargs="?")
    p.add_argument("--category", type=int, action="append")
    p.add_argument("--postcode")
    p.add_argument("--lang", choices=["nl", "fr", "en"], default="nl")
    p.add_argument("--limit", type=int, default=10)
    p.set_defaults(fn=cmd_search)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
