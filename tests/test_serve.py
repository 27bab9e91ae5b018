"""The preview server over real HTTP on 127.0.0.1: safe paths, GitHub Pages behaviour, rebuilds on edits."""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import ServeProcess

BASE = "/research-portfolio/"
PAPER = "content/papers/taid-temporally-adaptive-interpolated-distillation.md"


@pytest.fixture
def server(example_project: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(example_project)
    yield process
    process.stop()


def request(server: ServeProcess, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """A raw request: the path is sent exactly as given (no client-side normalizing of `..`)."""
    host, port = server.origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest(method, path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_serves_the_site_under_its_base_path_like_github_pages(server: ServeProcess) -> None:
    assert server.url.endswith(BASE) and server.url.startswith("http://127.0.0.1:")
    status, headers, body = request(server, BASE)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"Takuya Akiba" in body
    status, headers, _ = request(server, "/")
    assert status == 301 and headers["location"] == BASE
    status, headers, _ = request(server, BASE + "authors")
    assert status == 301 and headers["location"] == BASE + "authors/"
    status, headers, body = request(server, BASE + "static/style.css")
    assert status == 200 and headers["content-type"] == "text/css; charset=utf-8"
    assert body == (server.project / "site/static/style.css").read_bytes()


def test_missing_pages_get_the_site_404_page_with_status_404(server: ServeProcess) -> None:
    status, headers, body = request(server, BASE + "no/such/page/")
    assert status == 404 and b"Page not found" in body and headers["content-type"].startswith("text/html")


def test_live_reload_script_is_injected_only_while_serving(server: ServeProcess) -> None:
    _, _, body = request(server, BASE)
    assert b'<script src="/__portfolio__/live.js"' in body
    on_disk = (server.project / "site/index.html").read_bytes()
    assert b"__portfolio__" not in on_disk
    status, _headers, script = request(server, "/__portfolio__/live.js")
    assert status == 200 and b"EventSource" in script


@pytest.mark.parametrize("path", [
    BASE + "../../../etc/passwd",
    BASE + "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    BASE + "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    BASE + "..%2f..%2f..%2fetc%2fpasswd",
    BASE + "static/..%5c..%5cetc%5cpasswd",
    "//etc/passwd",
    BASE + "%00index.html",
    BASE + ".portfolio/state",
])
def test_path_traversal_never_reaches_a_file_outside_the_output(server: ServeProcess, path: str) -> None:
    status, _, body = request(server, path)
    assert status in (400, 404)  # 400: dot segments, backslashes and NULs are malformed paths
    assert b"root:" not in body


def test_a_symlink_leading_out_of_the_output_is_refused(server: ServeProcess, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, server.project / "site" / "leak.txt")
    status, _, body = request(server, BASE + "leak.txt")
    assert status == 403 and b"top secret" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_allowed(server: ServeProcess, method: str) -> None:
    status, headers, _ = request(server, BASE, method)
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_head_sends_headers_without_a_body(server: ServeProcess) -> None:
    status, headers, body = request(server, BASE, "HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 1000


@pytest.mark.parametrize("raw, status", [
    (b"GARBAGE\r\n\r\n", b"400"),
    (b"GET\r\n\r\n", b"400"),
    (b"GET /x HTTP/abc\r\n\r\n", b"400"),
    (b"GET / HTTP/1.1 extra\r\n\r\n", b"400"),
    (b"GET /research-portfolio/ HTTP/9.9\r\n\r\n", b"505"),
])
def test_malformed_requests_get_an_error_status(server: ServeProcess, raw: bytes, status: bytes) -> None:
    host, port = server.origin.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(raw)
        reply = connection.recv(100)
    assert reply.startswith(b"HTTP/1.") and reply.split(b" ")[1] == status


def test_an_edit_rebuilds_only_the_pages_that_show_it(server: ServeProcess) -> None:
    project = server.project
    paper = project / PAPER
    paper.write_text(paper.read_text().replace("Causal language models", "Causal LANGUAGE models"))
    line = server.wait_for(r"taid-temporally.*pages re-rendered")
    assert " 8 files written" in line  # the paper's and Takuya Akiba's pages, citation files and feeds
    _, _, body = request(server, BASE + "papers/taid-temporally-adaptive-interpolated-distillation/")
    assert b"Causal LANGUAGE models" in body


def test_editor_save_patterns_are_handled(server: ServeProcess) -> None:
    project = server.project
    paper = project / PAPER
    # vim: a probe file named 4913, a swap file, a backup; then the real file replaced by rename
    (paper.parent / "4913").write_text("x")
    (paper.parent / "4913").unlink()
    (paper.parent / f".{paper.name}.swp").write_text("swap")
    (paper.parent / f"{paper.name}~").write_text(paper.read_text())
    temporary = paper.parent / f".#{paper.name}"
    temporary.write_text(paper.read_text().replace("Causal language models", "Renamed-save models"))
    os.replace(temporary, paper)
    line = server.wait_for(r"pages re-rendered|build failed")
    assert "taid-temporally" in line and "failed" not in line and "swp" not in line and "4913" not in line
    _, _, body = request(server, BASE + "papers/taid-temporally-adaptive-interpolated-distillation/")
    assert b"Renamed-save models" in body
    assert [l for l in server.drain(1.0) if "re-rendered" in l] == []  # swap/backup files started no build


def test_a_burst_of_saves_is_one_rebuild(server: ServeProcess) -> None:
    project = server.project
    papers = sorted((project / "content/papers").glob("*.md"))[:6]
    for paper in papers:
        paper.write_text(paper.read_text().replace("\n---\n", "\n---\nBurst. ", 1))
    line = server.wait_for(r"pages re-rendered")
    assert "and 3 more" in line
    assert [l for l in server.drain(1.0) if "re-rendered" in l] == []


def test_a_save_that_changes_nothing_is_not_reported(server: ServeProcess) -> None:
    paper = server.project / PAPER
    paper.write_text(paper.read_text())  # what an editor's second event after a rebuild looks like, too
    assert [l for l in server.drain(1.5) if "re-rendered" in l or "failed" in l] == []
    paper.write_text(paper.read_text().replace("Causal language models", "Causal LM"))
    assert "taid-temporally" in server.wait_for(r"pages re-rendered")


def test_a_bad_edit_keeps_the_last_good_site_and_the_next_good_save_recovers(server: ServeProcess) -> None:
    project = server.project
    paper = project / PAPER
    good = paper.read_text()
    paper.write_text(good.replace("category: cs.LG", "category: [cs.LG"))
    server.wait_for(r"build failed")
    error = server.wait_for(r"taid-temporally.*\.md:\d+: YAML syntax error")
    assert ".md:10: " in error and "starts on line 9" in error
    status, _, body = request(server, BASE + "papers/taid-temporally-adaptive-interpolated-distillation/")
    assert status == 200 and b"TAID" in body
    paper.write_text(good.replace("Causal language models", "Recovered models"))
    server.wait_for(r"pages re-rendered")
    _, _, body = request(server, BASE + "papers/taid-temporally-adaptive-interpolated-distillation/")
    assert b"Recovered models" in body


def test_fifty_concurrent_clients_during_rebuilds_get_whole_pages(server: ServeProcess) -> None:
    project = server.project
    pages = [BASE, BASE + "authors/takuya-akiba/", BASE + "papers/taid-temporally-adaptive-interpolated-distillation/",
             BASE + "categories/cs.lg/", BASE + "static/style.css"]
    failures: list[str] = []
    served = [0]
    lock = threading.Lock()
    stop = time.monotonic() + 4

    def client(number: int) -> None:
        while time.monotonic() < stop:
            path = pages[number % len(pages)]
            try:
                with urllib.request.urlopen(server.origin + path, timeout=10) as response:
                    body = response.read()
                    if response.status != 200 or (path.endswith("/") and not body.rstrip().endswith(b"</html>")):
                        failures.append(f"{path}: {response.status} {len(body)} bytes")
            except (urllib.error.URLError, OSError) as error:
                failures.append(f"{path}: {error}")
            with lock:
                served[0] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    paper = project / PAPER
    for round_number in range(6):
        paper.write_text(paper.read_text().replace("Causal", f"Causal{round_number}", 1))
        time.sleep(0.5)
    for thread in threads:
        thread.join()
    assert failures == []
    assert served[0] > 200


def test_ctrl_c_stops_cleanly(example_project: Path) -> None:
    process = ServeProcess(example_project)
    assert process.stop() == 0
    assert process.wait_for("Stopped.", timeout=5)


def test_port_in_use_is_a_clear_error(example_project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        from conftest import run_portfolio
        result = run_portfolio("serve", "--source", str(example_project), "--port", str(port), timeout=30)
    assert result.returncode == 2 and "cannot listen" in result.stderr and "Traceback" not in result.stderr
