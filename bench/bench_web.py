"""The served web app under load: requests per second and latency of the main pages and API lists.

Starts ``bioseg serve --workers W`` on a data directory holding the demo (SQLite by default, or
``--database-url``), signs in as a demo user (session for pages, a personal token for the API), and runs
each URL for ``--seconds`` at 1 and at 16 connections (threads, one keep-alive connection each). Prints a
table of requests/s, p50, p95 and errors, and how to reproduce it.

    python bench/bench_web.py                       # demo on SQLite, 2 workers, 1 and 16 connections
    python bench/bench_web.py --database-url postgres://postgres@127.0.0.1:5432/bioseg_bench_web
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

PAGES = ["/", "/lots/", "/shipments/", "/sites/", "/products/", "/pilots/"]
API = ["/api/v1/lots", "/api/v1/sites", "/api/v1/products", "/api/v1/shipments"]
USER = "suzhou-qa"
PASSWORD = "bioseg-demo-2026"


def _bioseg() -> str:
    return str(Path(sys.executable).parent / "bioseg")


def _wait(port: int, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not start")


def _login(port: int) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    body = response.read().decode()
    cookies = {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []
    }
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urlencode({"username": USER, "password": PASSWORD, "csrfmiddlewaretoken": token})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookies['csrftoken']}",
        "Referer": f"http://127.0.0.1:{port}/login/",
    }
    conn.request("POST", "/login/", form, headers)
    response = conn.getresponse()
    response.read()
    session = [c for c in response.headers.get_all("Set-Cookie") or [] if c.startswith("sessionid=")][0]
    session_cookie = session.split(";", 1)[0]
    api = json.dumps({"username": USER, "password": PASSWORD, "name": "bench"})
    conn.request("POST", "/api/v1/auth/tokens", api, {"Content-Type": "application/json"})
    raw = json.loads(conn.getresponse().read())["token"]
    return session_cookie, raw


def _run(port: int, url: str, headers: dict, connections: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                conn.request("GET", url, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except OSError:
                bad += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {
        "url": url,
        "connections": connections,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite in a temporary data dir)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", default="1,16")
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="bioseg-bench-web-")
    env = {**os.environ, "BIOSEG_DATA_DIR": data, "BIOSEG_SECRET_KEY": "bench-only-secret-key-" + "x" * 30}
    if args.database_url:
        env["BIOSEG_DATABASE_URL"] = args.database_url
    else:
        env.pop("BIOSEG_DATABASE_URL", None)
    subprocess.run([_bioseg(), "demo", "--no-serve"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [_bioseg(), "serve", "--workers", str(args.workers), "--port", str(args.port), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(args.port)
        session, token = _login(args.port)
        rows = []
        for connections in [int(c) for c in args.connections.split(",")]:
            for url in PAGES:
                rows.append(_run(args.port, url, {"Cookie": session}, connections, args.seconds))
            for url in API:
                rows.append(_run(args.port, url, {"Authorization": f"Bearer {token}"}, connections, args.seconds))
    finally:
        server.terminate()
        server.wait(10)
    engine = "postgresql" if args.database_url else "sqlite"
    print(f"bioseg serve --workers {args.workers}, demo on {engine}, {args.seconds:g} s per URL and connection count")
    print(f"{'url':<22} {'conns':>5} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for r in rows:
        print(
            f"{r['url']:<22} {r['connections']:>5} {r['requests']:>8} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} "
            f"{r['p95_ms']:>8.1f} {r['errors']:>6}"
        )
    print("reproduce: python bench/bench_web.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
