"""Command line for staff: python -m kb import|export|validate|stats|load-taxonomy|load-demo|reindex|
corrections|warm-matcher.

The database is DATABASE_URL (as for the API). Imports are all-or-nothing; a refused file prints
one line per problem (file: record: field: why) and exits with status 2. Searching as the assistant does:
`python -m dialogue search`.
"""

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb import models as m


def _session() -> Session:
    from common.config import get_settings
    from common.db import make_engine

    return Session(make_engine(get_settings().database_url), expire_on_commit=False)


def _progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total} records", end="" if done < total else "\n", file=sys.stderr, flush=True)


def cmd_import(args: argparse.Namespace) -> int:
    from kb.import_records import ImportRefused
    from kb.importer import import_path

    with _session() as session:
        for name in args.paths:
            path = Path(name)
            if not path.exists():
                print(f"{name}: no such file or folder", file=sys.stderr)
                return 2
            try:
                report = import_path(session, path, args.format, args.lang, progress=_progress, prefer=args.prefer)
            except ImportRefused as exc:
                session.rollback()
                print(f"{name}: REFUSED, nothing written ({len(exc.problems)} problem(s)):", file=sys.stderr)
                for p in exc.problems:
                    print(f"  {p}", file=sys.stderr)
                return 2
            session.commit()
            print(report.summary())
            for w in report.warnings:
                print(f"  warning: {w}")
            for c in report.conflicts:
                print(f"  {c}")
    return 0


def cmd_corrections(args: argparse.Namespace) -> int:
    from kb.corrections import corrections_csv, corrections_since, parse_since

    try:
        since = parse_since(args.since)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    with _session() as session:
        doc = corrections_since(session, since)
    text = corrections_csv(doc) if args.format == "csv" else json.dumps(doc, ensure_ascii=False, indent=1)
    if args.output == "-":
        print(text, end="" if args.format == "csv" else "\n")
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"{args.output}: {len(doc['corrections'])} corrected record(s) since {doc['since']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kb.export import export_directory, validate_document

    with _session() as session:
        doc = export_directory(session, args.lang)
    errors = validate_document(doc)
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    if args.output == "-":
        print(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"{args.output}: {len(doc['services'])} services, {len(doc['organizations'])} organisations")
    for e in errors:
        print(f"  invalid: {e}", file=sys.stderr)
    return 1 if errors else 0


def cmd_validate(args: argparse.Namespace) -> int:
    from kb.export import validate_document

    doc = json.loads(Path(args.path).read_text(encoding="utf-8"))
    errors = validate_document(doc)
    for e in errors:
        print(e)
    print(f"{args.path}: {'valid HSDS 3.0' if not errors else f'{len(errors)} error(s)'}")
    return 1 if errors else 0


def cmd_stats(args: argparse.Namespace) -> int:
    with _session() as session:
        for model in (m.Organization, m.Service, m.Location, m.TaxonomyTerm, m.Attribute):
            count = session.scalar(select(func.count()).select_from(model))
            print(f"{model.__tablename__}: {count}")
        demo = session.scalar(select(func.count()).select_from(m.Service).where(m.Service.is_demo.is_(True)))
        print(f"demo services: {demo}")
        if demo:
            _print_coverage(session, args.needs or _default_needs_files())
    return 0


def _default_needs_files() -> list[Path]:
    """The needs sets bench/needs_eval.py reads, where they exist."""
    import os

    root = Path(__file__).resolve().parent.parent
    candidates = [
        Path(os.environ.get("NEEDS_DEV", "/work/shared/data/needs-dev.jsonl")),
        root / "tests" / "data" / "needs_eval.jsonl",
    ]
    return [p for p in candidates if p.is_file()]


def _print_coverage(session: Session, paths: list[Path]) -> None:
    """Share of the needs (accept sets) with at least one DEMO service, per commune and region-wide."""
    from statistics import median

    from kb.demo import coverage, read_accept_sets

    for path in paths:
        cov = coverage(session, read_accept_sets(Path(path)))
        local = [c["local"] for c in cov["communes"].values()]
        reach = [c["reach"] for c in cov["communes"].values()]
        worst = min(cov["communes"], key=lambda slug: cov["communes"][slug]["local"])
        print(
            f"demo coverage of {path} ({cov['needs']} needs): region {cov['region']:.0%}; "
            f"in the commune itself min {min(local):.0%} ({worst}) median {median(local):.0%} max {max(local):.0%}; "
            f"with region-wide services min {min(reach):.0%}"
        )


def cmd_load_taxonomy(_args: argparse.Namespace) -> int:
    from kb.importer import load_taxonomy

    with _session() as session:
        n = load_taxonomy(session)
        session.commit()
    print(f"taxonomy: {n} records")
    return 0


def cmd_reindex(_args: argparse.Namespace) -> int:
    from kb import search_index

    with _session() as session:
        n = search_index.rebuild(session)
        session.commit()
    print(f"search index rebuilt: {n} rows")
    return 0


def cmd_load_demo(args: argparse.Namespace) -> int:
    with _session() as session:
        # Checked before importing kb.demo, whose language tools take seconds to import (`make run`).
        if args.if_empty and session.scalar(select(func.count()).select_from(m.Service)):
            print("demo directory: not loaded (the directory already has services)")
            return 0
        from kb.demo import load_demo

        n = load_demo(session, if_empty=args.if_empty)
        session.commit()
    if n == 0 and args.if_empty:
        print("demo directory: not loaded (the directory already has services)")
    else:
        print(f"demo directory: {n} DEMO services loaded")
    return 0


def cmd_warm_matcher(_args: argparse.Namespace) -> int:
    """Builds the need matcher's caches (var/cache/: document vectors of both encoders, classifiers) once, with
    every core, so that no process of `make run` or `make test` builds them itself (minutes, not seconds)."""
    import os
    import time

    os.environ.setdefault("GBO_ENCODER_THREADS", str(os.cpu_count() or 1))
    started = time.perf_counter()
    from kb.matching import match_needs

    match_needs("warm", "nl")
    print(f"need matcher ready in {time.perf_counter() - started:.1f} s (caches in var/cache/)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kb", description="The sociale kaart (HSDS 3.0 directory).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import", help="import HSDS JSON, an HSDS CSV folder or social.brussels records")
    p.add_argument("paths", nargs="+")
    p.add_argument("--format", choices=["hsds-json", "hsds-csv", "social-brussels"])
    p.add_argument("--lang", choices=["nl", "fr"], default="nl", help="language of untranslated HSDS texts")
    p.add_argument("--prefer", choices=["local", "source"], default="local",
                   help="a field ELZ staff corrected locally: keep it (local) or take the file's value (source)")
    p.set_defaults(fn=cmd_import)
    p = sub.add_parser("corrections", help="local corrections since a date, to send to social.brussels")
    p.add_argument("--since", required=True, help="YYYY-MM-DD or an ISO date-time")
    p.add_argument("--format", choices=["json", "csv"], default="json", help="HSDS JSON or a readable CSV")
    p.add_argument("-o", "--output", default="-")
    p.set_defaults(fn=cmd_corrections)
    p = sub.add_parser("export", help="export the directory as HSDS 3.0 JSON (validated)")
    p.add_argument("-o", "--output", default="-")
    p.add_argument("--lang", choices=["nl", "fr"], default="nl")
    p.set_defaults(fn=cmd_export)
    p = sub.add_parser("validate", help="validate an HSDS 3.0 JSON export document")
    p.add_argument("path")
    p.set_defaults(fn=cmd_validate)
    p = sub.add_parser("stats", help="counts of the directory; with demo data, its coverage of the needs sets")
    p.add_argument("--needs", action="append", type=Path, help="a needs JSON-lines file (accept ids); repeatable")
    p.set_defaults(fn=cmd_stats)
    sub.add_parser("load-taxonomy", help="load the social.brussels categories").set_defaults(fn=cmd_load_taxonomy)
    sub.add_parser(
        "reindex", help="rebuild the search table (after writing the directory other than by import)"
    ).set_defaults(fn=cmd_reindex)
    p = sub.add_parser("load-demo", help="load the DEMO directory (fictitious services)")
    p.add_argument("--if-empty", action="store_true", help="only when the directory has no services")
    p.set_defaults(fn=cmd_load_demo)
    sub.add_parser("warm-matcher", help="build the need matcher's caches (var/cache/) with every core").set_defaults(
        fn=cmd_warm_matcher)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
