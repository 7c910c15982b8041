"""Signals report benchmark: 1 000 000 signals on PostgreSQL, then the ELZ report grouped by
type, category, commune and month (query + small-cell suppression), as the API computes it.

PostgreSQL runs in a throwaway database created and dropped here (TEST_POSTGRES_URL or the local server).
Data: 24 months, 19 communes (5 % unknown), 60 categories (skewed), 1-3 categories per signal, 10 % of
them demo signals (BENCH_DEMO_SHARE; found against the DEMO directory, so every cell has an "of which demo"
figure suppressed with it), loaded with COPY, then the running counts (signal_count) rebuilt. Target: the
report in under 1 s.
"""

import os
import random
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.core.migrate import upgrade_to_head  # noqa: E402
from api.signals import filters, reports  # noqa: E402
from common.db import make_engine  # noqa: E402
from dialogue import signal_recording as recording  # noqa: E402
from kb.geo import communes  # noqa: E402
from kb.taxonomy import categories  # noqa: E402

SIGNALS = int(os.environ.get("BENCH_SIGNALS", "1000000"))
MONTHS = 24
TARGET_SECONDS = 1.0
DEMO_SHARE = float(os.environ.get("BENCH_DEMO_SHARE", "0.1"))
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _months() -> list[date]:
    this = recording.today_in_brussels().replace(day=1)
    return [filters.add_months(this, -i) for i in range(MONTHS - 1, -1, -1)]


def load(url: str) -> int:
    rng = random.Random(2026)
    demo_rng = random.Random(11)  # its own stream: the signals are the same whatever DEMO_SHARE is
    months = _months()
    codes = [c.code for c in communes()]
    category_ids = sorted(categories())[:: max(1, len(categories()) // 60)][:60]
    weights = [1 / (i + 1) for i in range(len(category_ids))]  # a few frequent needs, a long tail
    types = ["unmet_need", "knelpunt", "data_quality"]
    engine = make_engine(url)
    links = 0
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY signal (id, signal_type, commune_code, language, source, created_on, month, status, demo) "
                "FROM STDIN"
            ) as copy_signals:
                rows = []
                for i in range(1, SIGNALS + 1):
                    month = months[min(MONTHS - 1, int(rng.triangular(0, MONTHS, MONTHS)))]
                    day = month.replace(day=rng.randint(1, 28))
                    kind = rng.choices(types, (6, 3, 1))[0]
                    commune = None if rng.random() < 0.05 else rng.choice(codes)
                    language = rng.choice(("nl", "fr", "fr", "en"))
                    demo = demo_rng.random() < DEMO_SHARE
                    copy_signals.write_row((i, kind, commune, language, "assistant", day, month, "new", demo))
                    for c in set(rng.choices(category_ids, weights, k=rng.choice((1, 1, 1, 2, 3)))):
                        rows.append((i, c, kind, commune, month, demo))
            with cursor.copy(
                "COPY signal_category (signal_id, category_id, signal_type, commune_code, month, demo) FROM STDIN"
            ) as copy_links:
                for row in rows:
                    copy_links.write_row(row)
                links = len(rows)
            cursor.execute("SELECT setval(pg_get_serial_sequence('signal', 'id'), %s)", (SIGNALS,))
        raw.commit()
    with Session(engine) as session:
        # COPY bypasses record_signal, which keeps signal_count in step one signal at a time.
        started = time.perf_counter()
        cells = recording.rebuild_counts(session)
        print(f"rebuilt signal_count ({cells:,} rows) in {time.perf_counter() - started:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # What autovacuum does in production: statistics, and the visibility map for index-only scans.
        connection.execute(text("VACUUM ANALYZE signal"))
        connection.execute(text("VACUUM ANALYZE signal_category"))
        connection.execute(text("VACUUM ANALYZE signal_count"))
    engine.dispose()
    return links


def time_report(
    url: str, group_by: list[str], f: filters.SignalFilter, runs: int = 5
) -> tuple[float, float, float, int]:
    """Wall time (first run, median) and the median CPU time of this process (the Python side)."""
    engine = make_engine(url)
    timings, cpu, cells = [], [], 0
    with Session(engine) as session:
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            report = reports.build_report(session, group_by, f)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            cells = len(report.rows)
    engine.dispose()
    return timings[0], statistics.median(timings), statistics.median(cpu), cells


def main() -> int:
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"gbo_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server
        print(f"PostgreSQL at {ADMIN_URL} is not reachable ({str(exc).splitlines()[0]}): skipped")
        return 0
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_to_head(url)
        started = time.perf_counter()
        links = load(url)
        elapsed = time.perf_counter() - started
        print(f"loaded {SIGNALS:,} signals ({links:,} category links, {DEMO_SHARE:.0%} demo) in {elapsed:.1f} s")
        months = _months()
        full = ["type", "category", "commune", "month"]
        cases = [
            ("type,category,commune,month, last 12 months", full, filters.build_filter()),
            (
                "type,category,commune,month, all 24 months",
                full,
                filters.build_filter(months[0].strftime("%Y-%m"), months[-1].strftime("%Y-%m")),
            ),
            ("type,commune,month, all 24 months", ["type", "commune", "month"],
             filters.build_filter(months[0].strftime("%Y-%m"), months[-1].strftime("%Y-%m"))),
            ("month,type for one commune (dashboard trend)", ["month", "type"],
             filters.build_filter(communes=["Schaarbeek"])),
            ("type,category,commune,month, last 12 months, demo signals left out", full,
             filters.build_filter(demo="exclude")),
        ]
        for label, group_by, f in cases:
            first, median, cpu, cells = time_report(url, group_by, f)
            verdict = "ok" if median < TARGET_SECONDS else f"SLOWER than the {TARGET_SECONDS:.0f} s target"
            print(f"report {label}: first {first * 1000:.0f} ms, median of 5 {median * 1000:.0f} ms "
                  f"(Python CPU {cpu * 1000:.0f} ms; {cells:,} cells): {verdict}")
        # Shared machines: say how busy this one was, so the figures can be read.
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
