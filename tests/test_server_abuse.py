"""`portfolio serve` under load and abuse, over loopback: many clients during rebuilds, slow clients, more
connections than it takes, malformed requests, and where it listens.

The load test runs PORTFOLIO_LOAD_SECONDS (default 30) with PORTFOLIO_LOAD_CLIENTS (default 200) clients;
run with `-s` to see its figures. The load generator is the standard library only (threads, sockets,
http.client).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import html5lib
import pytest
from conftest import REPO
from serving import ServeProcess

from generator.serve import MAX_CONNECTIONS, REQUEST_SECONDS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

BASE = "/research-portfolio/"
EVENTS = "/__portfolio__/events"
LIVE_JS = "/__portfolio__/live.js"
PAPER = "content/papers/taid-temporally-adaptive-interpolated-distillation.md"
PAPER_PAGE = BASE + "papers/taid-temporally-adaptive-interpolated-distillation/"
MARK = "Causal language models"
LOAD_SECONDS = float(os.environ.get("PORTFOLIO_LOAD_SECONDS", "30"))
LOAD_CLIENTS = int(os.environ.get("PORTFOLIO_LOAD_CLIENTS", "200"))
RSS_GROWTH_LIMIT_KB = 50 * 1024
LIVE_TAG = re.compile(rb'<script src="/__portfolio__/live\.js" data-epoch="\d+"></script>')

# (path, expected status, file in site/ whose bytes the body must be, weight)
MIX: list[tuple[str, int, str | None, int]] = [
    (BASE, 200, "index.html", 6),
    (BASE + "papers/", 200, "papers/index.html", 3),
    (PAPER_PAGE, 200, "papers/taid-temporally-adaptive-interpolated-distillation/index.html", 6),
    (BASE + "authors/takuya-akiba/", 200, "authors/takuya-akiba/index.html", 4),
    (BASE + "categories/cs.lg/", 200, "categories/cs.lg/index.html", 2),
    (BASE + "feed.xml", 200, "feed.xml", 2),
    (BASE + "search/index.json", 200, "search/index.json", 1),
    (BASE + "static/style.css", 200, "static/style.css", 4),
    (BASE + "no/such/page/", 404, "404.html", 1),
    ("/", 301, None, 1),
    (LIVE_JS, 200, None, 1),
    (EVENTS, 200, None, 1),
]


def proc_status(pid: int, key: str) -> int:
    """A number from /proc/PID/status: VmRSS (kB), Threads."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def address(server: ServeProcess) -> tuple[str, int]:
    host, port = server.origin.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def exchange(server: ServeProcess, raw: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes on a new connection; the server's answer (its head and Content-Length bytes of body)."""
    reply = b""
    with socket.create_connection(address(server), timeout=timeout) as connection:
        try:
            connection.sendall(raw)
            while chunk := connection.recv(65536):
                reply += chunk
                head, separator, body = reply.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length: *(\d+)", head)
                if separator and length and len(body) >= int(length.group(1)):
                    break
        except (ConnectionResetError, BrokenPipeError, TimeoutError):
            pass  # it answered and closed while we were still sending (a too long request): keep the answer
    return reply


def get(server: ServeProcess, path: str, timeout: float = 10) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(*address(server), timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def no_traceback(server: ServeProcess) -> None:
    server.drain(0.2)
    assert not [line for line in server.seen if "Traceback" in line or "Exception" in line], server.seen[-20:]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """One preview server of a copy of the example site for the tests that do not edit content."""
    project = tmp_path_factory.mktemp("abuse") / "project"
    shutil.copytree(REPO / "content", project / "content")
    process = ServeProcess(project)
    yield process
    process.stop()


# -- where it listens ----------------------------------------------------------------------------------------


def listening_sockets(pid: int) -> list[tuple[str, str, int]]:
    """(table, address, port) of every listening TCP socket the process holds, from /proc."""
    inodes = set()
    for descriptor in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
        except OSError:
            continue
        if match := re.fullmatch(r"socket:\[(\d+)\]", target):
            inodes.add(match.group(1))
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                host, port = local.split(":")
                if table == "tcp":
                    host = socket.inet_ntop(socket.AF_INET, bytes.fromhex(host)[::-1])
                found.append((table, host, int(port, 16)))
    return found


def test_listens_on_127_0_0_1_only_by_default(served: ServeProcess) -> None:
    _, port = address(served)
    assert served.url.startswith("http://127.0.0.1:")
    assert listening_sockets(served.process.pid) == [("tcp", "127.0.0.1", port)]


# -- malformed requests --------------------------------------------------------------------------------------

MALFORMED: list[tuple[str, bytes, set[int]]] = [
    ("garbage request line", b"GARBAGE\r\n\r\n", {400}),
    ("binary request line", bytes(range(1, 32)) + b"\x7f\xff\xfe / HTTP/1.1\r\n\r\n", {400}),
    ("no HTTP version word", b"GET / HTTP/1.1 extra\r\n\r\n", {400}),
    ("bad HTTP version", b"GET / HTTP/abc\r\n\r\n", {400}),
    ("HTTP/2 on an HTTP/1 port", b"GET / HTTP/2.0\r\n\r\n", {505}),
    ("header without colon", b"GET " + BASE.encode() + b" HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", {400}),
    ("space before a header's colon", b"GET " + BASE.encode() + b" HTTP/1.1\r\nHost : x\r\n\r\n", {400}),
    ("absurdly long request line", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", {414}),
    ("absurdly long header", b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", {431}),
    ("too many headers", b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(200)) + b"\r\n",
     {431}),
    ("invalid percent-encoding", b"GET " + BASE.encode() + b"%zz HTTP/1.1\r\n\r\n", {400}),
    ("percent-encoded bytes that are not UTF-8", b"GET " + BASE.encode() + b"%c0%ae%c0%ae/ HTTP/1.1\r\n\r\n",
     {400}),
    ("path traversal", b"GET " + BASE.encode() + b"../../../../etc/passwd HTTP/1.1\r\n\r\n", {400}),
    ("encoded dot segments", b"GET " + BASE.encode() + b"%2e%2e/%2E%2E/%2e%2e/etc/passwd HTTP/1.1\r\n\r\n",
     {400}),
    ("encoded slashes", b"GET " + BASE.encode() + b"..%2f..%2f..%2fetc%2fpasswd HTTP/1.1\r\n\r\n", {400}),
    ("encoded backslashes", b"GET " + BASE.encode() + b"static/..%5c..%5cetc%5cpasswd HTTP/1.1\r\n\r\n",
     {400}),
    ("absolute file path", b"GET /etc/passwd HTTP/1.1\r\n\r\n", {404}),
    ("double slash", b"GET //etc/passwd HTTP/1.1\r\n\r\n", {404}),
    ("NUL byte in the path", b"GET " + BASE.encode() + b"index.html\x00.css HTTP/1.1\r\n\r\n", {400}),
    ("encoded NUL", b"GET " + BASE.encode() + b"%00index.html HTTP/1.1\r\n\r\n", {400}),
    ("control character in the path", b"GET " + BASE.encode() + b"a\x01b HTTP/1.1\r\n\r\n", {400}),
    ("broken absolute-form URL", b"GET http://[oops/ HTTP/1.1\r\n\r\n", {400}),
    ("unknown method", b"BREW " + BASE.encode() + b" HTTP/1.1\r\n\r\n", {501}),
    ("method the preview refuses", b"DELETE " + BASE.encode() + b" HTTP/1.1\r\n\r\n", {405}),
]


@pytest.mark.parametrize("raw, allowed", [(raw, allowed) for _, raw, allowed in MALFORMED],
                         ids=[name for name, _, _ in MALFORMED])
def test_malformed_requests_get_an_error_status_and_the_server_keeps_serving(
        served: ServeProcess, raw: bytes, allowed: set[int]) -> None:
    reply = exchange(served, raw)
    assert re.match(rb"HTTP/1\.[01] \d{3} ", reply), reply[:200]
    status = int(reply.split(b" ", 2)[1])
    print(f"{raw[:40]!r}: {status}")
    assert status in allowed, reply[:200]
    assert b"root:" not in reply
    assert get(served, BASE)[0] == 200
    no_traceback(served)


# -- slow and idle clients, and more connections than it takes -----------------------------------------------


def closed_by_server(connection: socket.socket) -> bool:
    """True once the server has answered or closed its end (data, end of file or a reset). Never waits."""
    connection.setblocking(False)  # with a timeout set, Python would wait for data despite MSG_DONTWAIT
    try:
        connection.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True


def test_slow_and_idle_clients_are_cut_off_and_never_block_others(served: ServeProcess) -> None:
    """80 slowloris clients (a header byte a second, never finishing) and 20 silent ones."""
    pid = served.process.pid
    threads_before = proc_status(pid, "Threads")
    started = time.monotonic()  # before the first connection: no attacker's clock starts earlier
    slow = []
    for _ in range(80):
        connection = socket.create_connection(address(served), timeout=5)
        connection.sendall(b"GET " + BASE.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow.append(connection)
    idle = [socket.create_connection(address(served), timeout=5) for _ in range(20)]
    closed: dict[int, float] = {}
    latencies: list[float] = []
    failures: list[str] = []
    most_threads = 0
    next_byte = started
    while time.monotonic() - started < REQUEST_SECONDS + 3:
        now = time.monotonic()
        if now >= next_byte:
            next_byte += 1.0
            for number, connection in enumerate(slow):
                if number not in closed:
                    try:
                        connection.send(b"a")
                    except OSError:
                        closed[number] = now - started
        for number, connection in enumerate(slow + idle):
            if number not in closed and closed_by_server(connection):
                closed[number] = now - started
        most_threads = max(most_threads, proc_status(pid, "Threads"))
        began = time.monotonic()
        try:
            status, body = get(served, PAPER_PAGE, timeout=5)
            if status != 200 or not body.rstrip().endswith(b"</html>"):
                failures.append(f"{status}, {len(body)} bytes")
        except (OSError, http.client.HTTPException) as error:
            failures.append(repr(error))
        latencies.append(time.monotonic() - began)
        time.sleep(0.2)
    for connection in slow + idle:
        connection.close()
    time.sleep(0.5)
    threads_after = proc_status(pid, "Threads")
    cut = sorted(closed.values())
    print(f"\nslowloris: {len(slow)} slow + {len(idle)} idle sockets; {len(latencies)} normal requests "
          f"during the attack, {len(failures)} failed, slowest {max(latencies) * 1000:.0f} ms; {len(cut)} "
          f"attackers cut off after {cut[0]:.1f}-{cut[-1]:.1f} s; threads {threads_before} before, at most "
          f"{most_threads} during, {threads_after} after")
    assert failures == []
    assert max(latencies) < 2.0
    assert len(closed) == len(slow) + len(idle)
    assert REQUEST_SECONDS <= cut[0] and cut[-1] <= REQUEST_SECONDS + 3
    assert most_threads <= threads_before + len(slow) + len(idle) + 5
    assert threads_after <= threads_before + 2
    no_traceback(served)


def test_connections_beyond_the_limit_get_503_and_threads_stay_bounded(served: ServeProcess) -> None:
    pid = served.process.pid
    threads_before = proc_status(pid, "Threads")
    extra = 40
    held = [socket.create_connection(address(served), timeout=5) for _ in range(MAX_CONNECTIONS + extra)]
    try:
        deadline = time.monotonic() + 5
        while sum(closed_by_server(c) for c in held) < extra and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = [c for c in held if closed_by_server(c)]
        assert len(refused) >= extra
        assert refused[0].recv(200).startswith(b"HTTP/1.1 503 ")
        threads = proc_status(pid, "Threads")
        began = time.monotonic()
        status, _ = get(served, BASE, timeout=5)  # refused at once, not queued behind the idle ones
        answered = time.monotonic() - began
        assert status == 503 and answered < 1.0
    finally:
        for connection in held:
            connection.close()
    deadline = time.monotonic() + 5
    while get(served, BASE)[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert get(served, BASE)[0] == 200
    print(f"\n{MAX_CONNECTIONS + extra} idle connections: {len(refused)} refused with 503 "
          f"(a new request answered 503 in {answered * 1000:.0f} ms); threads {threads_before} -> {threads}")
    assert threads <= threads_before + MAX_CONNECTIONS + 2
    no_traceback(served)


# -- many clients while the site is rebuilt ------------------------------------------------------------------


@dataclass
class ClientTally:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    bodies: dict[str, dict[str, bytes]] = field(default_factory=dict)  # path -> digest -> one such body

    def fail(self, message: str) -> None:
        self.failures.append(message)


def check_events(server: ServeProcess, tally: ClientTally) -> None:
    """Open the live-reload stream, read its first event, hang up (as a closing tab does)."""
    with socket.create_connection(address(server), timeout=30) as connection:
        connection.sendall(f"GET {EVENTS} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Accept: text/event-stream\r\n\r\n".encode())
        received = b""
        while b"\n\n" not in received.partition(b"\r\n\r\n")[2]:
            chunk = connection.recv(4096)
            if not chunk:
                tally.fail(f"{EVENTS}: closed after {received[:80]!r}")
                return
            received += chunk
    head, _, stream = received.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    tally.by_status[status] = tally.by_status.get(status, 0) + 1
    if status != 200 or b"text/event-stream" not in head or not stream.startswith(b"data: "):
        tally.fail(f"{EVENTS}: {head[:80]!r} {stream[:80]!r}")
        return
    state = json.loads(stream[6:].partition(b"\n")[0])
    if not isinstance(state.get("epoch"), int) or state.get("errors"):
        tally.fail(f"{EVENTS}: {state}")


def load_client(server: ServeProcess, number: int, stop_at: float, tally: ClientTally) -> None:
    """Requests in a seeded random mix on a kept-alive connection, renewed every 25 requests."""
    rng = random.Random(number)
    weights = [entry[3] for entry in MIX]
    connection: http.client.HTTPConnection | None = None
    on_connection = 0
    while time.monotonic() < stop_at:
        path, expected, _, _ = rng.choices(MIX, weights)[0]
        tally.requests += 1
        try:
            if path == EVENTS:
                check_events(server, tally)
                continue
            if connection is None or on_connection >= 25:
                if connection is not None:
                    connection.close()
                connection, on_connection = http.client.HTTPConnection(*address(server), timeout=30), 0
            on_connection += 1
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException, ValueError) as error:
            tally.fail(f"{path}: {type(error).__name__}: {error}")
            if connection is not None:
                connection.close()
            connection = None
            continue
        tally.by_status[response.status] = tally.by_status.get(response.status, 0) + 1
        if response.status != expected:
            tally.fail(f"{path}: status {response.status}")
            continue
        if (response.getheader("Content-Type") or "").startswith("text/html"):
            if not body.rstrip().endswith(b"</html>"):
                tally.fail(f"{path}: an incomplete page of {len(body)} bytes")
            body = LIVE_TAG.sub(b"", body, count=1)
        if expected != 301:
            tally.bodies.setdefault(path, {}).setdefault(hashlib.sha1(body).hexdigest(), body)
    if connection is not None:
        connection.close()


def site_versions(site: Path, versions: dict[str, set[str]]) -> None:
    """Add the current bytes of every file the mix requests to the versions each has had."""
    for path, _, file, _ in MIX:
        if file is not None:
            versions.setdefault(path, set()).add(hashlib.sha1((site / file).read_bytes()).hexdigest())


def save_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".#{path.name}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


@pytest.mark.slow
def test_many_clients_during_rebuilds_get_whole_pages_and_memory_stays_flat(example_project: Path) -> None:
    server = ServeProcess(example_project)
    try:
        run_load(server, example_project)
    finally:
        server.stop()


def run_load(server: ServeProcess, project: Path) -> None:
    pid = server.process.pid
    site = project / "site"
    versions: dict[str, set[str]] = {LIVE_JS: set()}
    site_versions(site, versions)
    live_js = get(server, LIVE_JS)[1]
    versions[LIVE_JS].add(hashlib.sha1(live_js).hexdigest())
    rss_idle = proc_status(pid, "VmRSS")
    started = time.monotonic()
    stop_at = started + LOAD_SECONDS
    tallies = [ClientTally() for _ in range(LOAD_CLIENTS)]
    clients = [threading.Thread(target=load_client, args=(server, n, stop_at, tallies[n]), daemon=True)
               for n in range(LOAD_CLIENTS)]
    samples: list[tuple[float, int, int]] = []  # (seconds into the load, RSS kB, threads)
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.25):
            now = time.monotonic() - started
            samples.append((now, proc_status(pid, "VmRSS"), proc_status(pid, "Threads")))

    sampler = threading.Thread(target=sample, daemon=True)
    for client in clients:
        client.start()
    sampler.start()
    paper = project / PAPER
    original = paper.read_text(encoding="utf-8")
    assert MARK in original
    rebuilds = 0
    rebuild_ms: list[float] = []
    while time.monotonic() < stop_at - 1.0:
        rebuilds += 1
        save_atomically(paper, original.replace(MARK, f"{MARK} (edit {rebuilds})", 1))
        line = server.wait_for(r"pages re-rendered|build failed", timeout=60)
        assert "re-rendered" in line, line
        rebuild_ms.append(float(re.search(r"in (\d+) ms", line).group(1)))  # type: ignore[union-attr]
        site_versions(site, versions)
        time.sleep(0.3)
    for client in clients:
        client.join(timeout=max(1.0, stop_at - time.monotonic()) + 60)
    sampling.set()
    sampler.join(timeout=5)
    assert not any(client.is_alive() for client in clients), "clients still waiting for answers"

    requests = sum(t.requests for t in tallies)
    failures = [message for t in tallies for message in t.failures]
    by_status: dict[int, int] = {}
    for tally in tallies:
        for status, count in tally.by_status.items():
            by_status[status] = by_status.get(status, 0) + count
    torn = []
    pages = 0
    for tally in tallies:
        for path, bodies in tally.bodies.items():
            for digest, body in bodies.items():
                if digest not in versions[path]:
                    torn.append(f"{path}: {len(body)} bytes, not a version the file had")
    distinct_pages = {(path, digest): body for t in tallies for path, bodies in t.bodies.items()
                      for digest, body in bodies.items() if body.lstrip().startswith(b"<!DOCTYPE html")}
    for (path, _), body in distinct_pages.items():
        document = html5lib.parse(body, treebuilder="etree", namespaceHTMLElements=False)
        if document.find("head/title") is None or document.find("body") is None:
            torn.append(f"{path}: does not parse as a whole page")
        pages += 1
    during = [s for s in samples if s[0] >= 2.0] or samples  # after the first burst of client threads
    rss_start, rss_end = during[0][1], during[-1][1]
    rss_peak = max(s[1] for s in samples)
    most_threads = max(s[2] for s in samples)
    seconds = time.monotonic() - started
    print(f"\nload: {LOAD_CLIENTS} clients for {LOAD_SECONDS:.0f} s: {requests} requests "
          f"({requests / seconds:.0f}/s), "
          f"{len(failures)} failed, {len(torn)} torn; statuses {dict(sorted(by_status.items()))}; "
          f"{rebuilds} rebuilds (median {sorted(rebuild_ms)[len(rebuild_ms) // 2]:.0f} ms); "
          f"{pages} distinct page versions served, all whole; server RSS {rss_idle / 1024:.1f} MB idle, "
          f"{rss_start / 1024:.1f} MB at the start of the load, {rss_end / 1024:.1f} MB at the end, "
          f"peak {rss_peak / 1024:.1f} MB; threads at most {most_threads}")
    assert failures == [], failures[:20]
    assert torn == [], torn[:20]
    assert rebuilds >= 2 and requests > LOAD_CLIENTS
    assert rss_end - rss_start < RSS_GROWTH_LIMIT_KB
    assert most_threads <= MAX_CONNECTIONS + 10
    assert get(server, BASE)[0] == 200
    no_traceback(server)
