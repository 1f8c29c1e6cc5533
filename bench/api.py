"""API latency under load: single-shipment scoring and party screening over HTTP on loopback.

    .venv/bin/python bench/api.py [--data-dir DIR] [--rate 200] [--seconds 15] [--clients 16]
                                  [--days 30] [--scale 0.2] [--port 0] [--workers 4]
                                  [--sweep-rates 25,50,100,200,300,400,600,800] [--sweep-seconds 5]
                                  [--sequential 200]

Without ``--data-dir`` a world is simulated (``--days`` × 2,000 × ``--scale`` shipments),
ingested, resolved, given network risk and a model in a temporary folder. The demo access (users,
agreements) is seeded, a customs officer's API key created, and ``ringfence serve`` started on
127.0.0.1 in a subprocess. Each scenario is an open-loop load at a fixed request rate: request
*i* is due at *i / rate* seconds, at most ``--clients`` are in flight (one connection each), and
latency runs from the due time to the response — time spent waiting for a free client counts,
so an overloaded server cannot hide behind a slowed-down client. Prints one JSON object:
achieved requests/s, p50/p99/max milliseconds and errors per scenario.

After the main run each scenario climbs the ``--sweep-rates`` (a bounded list, ``--sweep-seconds``
each) and stops at the first rate whose p99 passes ``--p99-target-ms`` (50): that rate is
reported as ``p99_passes_target_at_rate`` (null if no rate tried passed it). Before each loaded
run, ``--sequential`` requests are sent one at a time (``sequential``: p50/p99 of a request that
never queues behind another, so the service's own cost even when other work shares the cores).
The server listens on 127.0.0.1 only and is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BIN, machine

from ringfence.settings import Settings
from ringfence.store.engine import open_engine
from ringfence.store.lake import Lake
from ringfence.store.operational import OperationalStore

CALLER = ("customs-nl", "officer")


def prepare(data_dir: Path, days: int, scale: float) -> None:
    """Simulate, ingest, resolve, compute network risk and train into ``data_dir``."""
    from ringfence.demo import ingest_world
    from ringfence.resolve.network.risk import compute_network_risk
    from ringfence.resolve.pipeline import resolve_parties
    from ringfence.score.pipeline import train
    from ringfence.sim import simulate

    settings = Settings(data_dir=data_dir)
    simulate(data_dir / "world", seed=7, days=days, scale=scale)
    ingest_world(settings, data_dir / "world")
    resolve_parties(settings)
    compute_network_risk(settings)
    train(settings)


def api_key(settings: Settings) -> str:
    """Seed the demo access and return a key acting as the customs officer."""
    from ringfence.service.seed import seed_demo_access

    with OperationalStore.open(settings) as store:
        login = next(x for x in seed_demo_access(store) if (x.organisation, x.role) == CALLER)
        user = next(u for u in store.users(CALLER[0]) if u.email == login.email)
        return store.create_api_key(CALLER[0], user.id)


def workload(settings: Settings) -> tuple[list[str], list[dict[str, Any]]]:
    """Shipments the caller may read (the carrier's, shared with customs) and party queries."""
    lake, engine = Lake(settings), open_engine(settings)
    try:
        lake.register(engine, "shipments")
        lake.register(engine, "parties")
        ids = (
            engine.query(
                "SELECT id FROM shipments WHERE organisation IN ('swiftpost', 'customs-nl')"
            )
            .column("id")
            .to_pylist()
        )
        parties = engine.query(
            "SELECT name, country, phone FROM parties WHERE name IS NOT NULL USING SAMPLE 2000 ROWS"
        ).to_pylist()
    finally:
        engine.close()
    queries = [{k: v for k, v in p.items() if v is not None} for p in parties]
    return ids, queries


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(settings: Settings, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """``ringfence serve`` in its own process group (so ``stop_server`` ends every worker)."""
    env = {**os.environ, "RINGFENCE_DATA_DIR": str(settings.data_dir)}
    command = [
        str(BIN / "ringfence"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with log.open("wb") as errors:  # a file, not a pipe: workers outliving a read never block
        server = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=errors, start_new_session=True
        )
    # Several workers import and load on the same cores at once: give them time.
    deadline = time.monotonic() + 60 + 30 * workers
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"server did not start: {log.read_text(errors='replace')[-2000:]}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop the server and its workers (the whole process group), forcibly after 30 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # workers left behind, if any
    server.wait(timeout=10)


async def load(
    base: str,
    key: str,
    path: str,
    bodies: list[dict[str, Any]],
    rate: float,
    seconds: float,
    clients: int,
) -> dict[str, Any]:
    """Open-loop load at ``rate`` requests/s for ``seconds``; latency from each due time."""
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    slots = asyncio.Semaphore(clients)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=30
    ) as client:

        async def one(due: float, body: dict[str, Any]) -> None:
            async with slots:
                try:
                    response = await client.post(path, json=body)
                    statuses[str(response.status_code)] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
            latencies.append(time.perf_counter() - due)

        started = time.perf_counter()
        tasks = []
        for i in range(total):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due, bodies[i % len(bodies)])))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    ok = statuses.get("200", 0)
    return {
        "requests": total,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(total / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
        "errors": total - ok,
        "statuses": dict(statuses),
    }


async def sequential(
    base: str, key: str, path: str, bodies: list[dict[str, Any]], count: int
) -> dict[str, Any]:
    """``count`` requests one after another on one connection: the latency of a request that
    never waits for another (the service's own cost plus loopback HTTP), no queueing."""
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        for i in range(count):
            started = time.perf_counter()
            response = await client.post(path, json=bodies[i % len(bodies)])
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200
    ms = np.array(latencies) * 1000
    return {
        "requests": count,
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "errors": errors,
    }


def group_cpu_seconds(pgid: int) -> float:
    """User plus system CPU seconds of every live process in group ``pgid`` (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, ... utime (11th), stime (12th).
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def server_buckets(base: str, route: str) -> dict[float, float]:
    """Cumulative request counts per latency bucket (seconds) of ``route`` from /metrics."""
    text = httpx.get(f"{base}/metrics", timeout=10).text
    buckets: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith("ringfence_http_request_seconds_bucket") and f'route="{route}"' in line:
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def bucket_quantile(
    before: dict[float, float], after: dict[float, float], q: float
) -> float | None:
    """Upper bound (ms) of the histogram bucket holding quantile ``q`` of the new requests."""
    counts = sorted((bound, after[bound] - before.get(bound, 0.0)) for bound in after)
    total = counts[-1][1] if counts else 0.0
    for bound, cumulative in counts:
        if total and cumulative >= q * total:
            return bound * 1000 if bound != float("inf") else None
    return None


def sweep(
    base: str, key: str, path: str, bodies: list[dict[str, Any]], args: Any
) -> dict[str, Any]:
    """Climb the request rates until p99 passes the target; one short load per rate."""
    points: list[dict[str, Any]] = []
    passed_at = None
    for rate in args.sweep_rates:
        result = asyncio.run(load(base, key, path, bodies, rate, args.sweep_seconds, args.clients))
        points.append(
            {
                "rate": rate,
                "requests_per_second": result["requests_per_second"],
                "p50_ms": result["p50_ms"],
                "p99_ms": result["p99_ms"],
                "errors": result["errors"],
            }
        )
        if result["p99_ms"] > args.p99_target_ms:
            passed_at = rate
            break
    return {"points": points, "p99_passes_target_at_rate": passed_at}


def run_scenarios(
    settings: Settings, key: str, ids: list[str], parties: list[dict[str, Any]], args: Any
) -> dict[str, Any]:
    """Start the server, warm it up, and run the scoring and screening loads."""
    rng = random.Random(7)
    score_bodies = [{"shipment_ids": [rng.choice(ids)]} for _ in range(5000)]
    port = args.port or free_port()
    server = start_server(settings, port, args.workers, args.server_log)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {}
    try:
        for name, path, bodies in (
            ("score_one_shipment", "/api/v1/score", score_bodies),
            ("screen_party", "/api/v1/screen", parties),
        ):
            # Warm-up (indexes and the scorer load on first use, in every worker), not measured.
            asyncio.run(load(base, key, path, bodies, 50, 4, args.clients))
            alone = None
            if args.sequential:
                alone = asyncio.run(sequential(base, key, path, bodies, args.sequential))
            before = server_buckets(base, path)
            cpu_before, own_before = group_cpu_seconds(server.pid), time.process_time()
            results[name] = asyncio.run(
                load(base, key, path, bodies, args.rate, args.seconds, args.clients)
            )
            # CPU per request, of the server's processes and of this load generator: what the
            # cores must give for each request, whatever else runs on them.
            requests = results[name]["requests"]
            server_cpu = group_cpu_seconds(server.pid) - cpu_before
            results[name]["server_cpu_ms_per_request"] = round(1000 * server_cpu / requests, 2)
            own_cpu = time.process_time() - own_before
            results[name]["client_cpu_ms_per_request"] = round(1000 * own_cpu / requests, 2)
            results[name]["sequential"] = alone
            # Time inside the server (from its Prometheus histogram, to the bucket bound): the
            # rest of the end-to-end latency is queueing and the client, on the same cores.
            after = server_buckets(base, path)
            results[name]["server_p50_ms_at_most"] = bucket_quantile(before, after, 0.5)
            results[name]["server_p99_ms_at_most"] = bucket_quantile(before, after, 0.99)
            if args.sweep_rates:
                results[name]["sweep"] = sweep(base, key, path, bodies, args)
    finally:
        stop_server(server)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--scale", type=float, default=0.2)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=4, help="server processes")
    parser.add_argument(
        "--sweep-rates",
        type=lambda text: [float(r) for r in text.split(",") if r.strip()],
        default=[25.0, 50.0, 100.0, 200.0, 300.0, 400.0, 600.0, 800.0],
        help="request rates to climb after the main run (empty: no sweep)",
    )
    parser.add_argument("--sweep-seconds", type=float, default=5.0)
    parser.add_argument(
        "--sequential",
        type=int,
        default=200,
        help="requests sent one at a time before each loaded run (0: none)",
    )
    parser.add_argument(
        "--server-log", type=Path, default=Path(tempfile.gettempdir()) / "ringfence-bench-api.log"
    )
    parser.add_argument("--p99-target-ms", type=float, default=50.0)
    args = parser.parse_args()
    work = None
    data_dir = args.data_dir
    if data_dir is None:
        work = Path(tempfile.mkdtemp(prefix="ringfence-bench-api-"))
        data_dir = work / "data"
        prepare(data_dir, args.days, args.scale)
    settings = Settings(data_dir=data_dir)
    key = api_key(settings)
    ids, parties = workload(settings)
    load_before = os.getloadavg()
    try:
        results = run_scenarios(settings, key, ids, parties, args)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "benchmark": "api",
                "rate": args.rate,
                "clients": args.clients,
                "workers": args.workers,
                "seconds": args.seconds,
                "shipments": len(ids),
                "target": f"p99 < {args.p99_target_ms:g} ms at {args.rate:g} requests/s",
                "scenarios": results,
                # Other work on the machine competes for its cores; the figures depend on it.
                "load_average_1min": {"before": load_before[0], "after": os.getloadavg()[0]},
                "machine": machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
