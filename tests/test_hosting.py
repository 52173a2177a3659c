"""The hosting examples of the README, served for real: the built site behind Debian's Apache
(with deploy/apache/.htaccess, under a sub-path, as in ~/public_html) and nginx (with
deploy/nginx/genai-course.conf), each started on a free 127.0.0.1 port and asked over HTTP."""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from genai_course.plugin import PYODIDE_IN_SITE
from tests.conftest import ROOT, RequestLog, Server, cache_control, free_port

HTACCESS = ROOT / "deploy/apache/.htaccess"
NGINX_SITE = ROOT / "deploy/nginx/genai-course.conf"
SUB_PATH = "/genai-course/"
# compressed by the examples (README, "Deploying"); the rest is compressed already
COMPRESSED = {
    ".html", ".css", ".js", ".json", ".webmanifest", ".wasm", ".xml", ".xsl", ".svg", ".ics",
    ".txt", ".map",
}  # fmt: skip
WASM = f"{PYODIDE_IN_SITE}pyodide.asm.wasm"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def get(port: int, path: str, method: str = "GET", **headers: str) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, headers=headers)
        answer = connection.getresponse()
        return Response(answer.status, answer.headers, answer.read())
    finally:
        connection.close()


def site_files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


@dataclass
class Running:
    port: int
    prefix: str  # where the site's root is on this server
    process: subprocess.Popen[bytes]
    log: Path


def start(command: list[str], port: int, prefix: str, log: Path) -> Running:
    """Start a server in the foreground and wait until it accepts connections (or has exited)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    running = Running(port, prefix, process, log)
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return running
        except OSError:
            time.sleep(0.05)  # polling the port, not waiting on the site
    stop(running)
    log_text = log.read_text() if log.exists() else "(no log)"
    pytest.fail(f"{command[0]} did not start on port {port}:\n{log_text}")


def stop(running: Running) -> None:
    running.process.terminate()
    try:
        running.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        running.process.kill()
        running.process.wait()


@pytest.fixture(scope="module")
def web_root(built_site: Path) -> Iterator[Path]:
    """A web folder as on a server: the built site in genai-course/ with the .htaccess copied in,
    readable by the server's own user (www-data when the tests run as root), so outside pytest's
    private folders."""
    www = Path(tempfile.mkdtemp(prefix="genai-course-www-"))
    site = www / SUB_PATH.strip("/")
    shutil.copytree(built_site, site)
    shutil.copy(HTACCESS, site / ".htaccess")
    for folder, _, files in os.walk(www):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder, name), 0o644)
    yield www
    shutil.rmtree(www)


def apache_config(directory: Path, root: Path, port: int, modules: list[str]) -> Path:
    """Debian's stock Apache (its enabled modules and their settings), plus `modules`, with a
    ~/public_html-like folder: .htaccess files may set FileInfo, AuthConfig, Limit and Indexes."""
    user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
    extra = "".join(
        f"LoadModule {name}_module /usr/lib/apache2/modules/mod_{name}.so\n" for name in modules
    )
    expires = (
        '<IfModule mod_expires.c>\nExpiresActive On\nExpiresDefault "access plus 1 month"\n'
        "</IfModule>\n"
    )
    config = directory / "apache2.conf"
    config.write_text(
        f"""ServerRoot /etc/apache2
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
DefaultRuntimeDir {directory}
PidFile {directory}/apache2.pid
ErrorLog {directory}/error.log
LogLevel warn
{user}IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
{extra}{expires}AccessFileName .htaccess
<FilesMatch "^\\.ht">
    Require all denied
</FilesMatch>
DocumentRoot {root}
<Directory {root}>
    AllowOverride FileInfo AuthConfig Limit Indexes
    Options MultiViews Indexes SymLinksIfOwnerMatch IncludesNoExec
    Require all granted
</Directory>
"""
    )
    return config


def program(name: str) -> str:
    """The server's executable (in /usr/sbin, which a user's PATH may leave out), or a skip."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin")
    if not found:
        pytest.skip(f"Debian's {name} is not installed (./dev test installs it when run as root)")
    return found


def apache(web_root: Path, directory: Path, modules: list[str]) -> Iterator[Running]:
    apache2 = program("apache2")
    directory.chmod(0o755)
    port = free_port()
    config = apache_config(directory, web_root, port, modules)
    running = start(
        [apache2, "-f", str(config), "-DFOREGROUND"], port, SUB_PATH, directory / "error.log"
    )
    yield running
    stop(running)
    errors = [
        line
        for line in (directory / "error.log").read_text().splitlines()
        if ("error]" in line or "alert]" in line) and not line.endswith("/.htaccess")
    ]
    assert not errors, errors


@pytest.fixture(scope="module")
def apache_configured(
    web_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    """With mod_headers enabled (`a2enmod headers`), and mod_expires set server-wide, as some
    hosts do."""
    yield from apache(web_root, tmp_path_factory.mktemp("apache"), ["headers", "expires"])


@pytest.fixture(scope="module")
def apache_stock(web_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Debian's Apache as installed: no mod_headers."""
    yield from apache(web_root, tmp_path_factory.mktemp("apache-stock"), [])


@pytest.fixture(scope="module")
def nginx(web_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """deploy/nginx/genai-course.conf as written, but for its port and folder, inside an http {}
    as Debian's nginx.conf has it."""
    executable = program("nginx")
    directory = tmp_path_factory.mktemp("nginx")
    port = free_port()
    site = NGINX_SITE.read_text()
    for line, ours in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("root /var/www/genai-course;", f"root {web_root / SUB_PATH.strip('/')};"),
    ):
        assert site.count(line) == 1, line
        site = site.replace(line, ours)
    (directory / "genai-course.conf").write_text(site)
    shutil.copy("/etc/nginx/mime.types", directory / "mime.types")
    user = "user www-data;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"{kind}_temp_path {directory}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (directory / "nginx.conf").write_text(
        f"""{user}worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include mime.types;
    default_type application/octet-stream;
    access_log off;
    gzip on;
    {temp}
    include genai-course.conf;
}}
"""
    )
    command = [executable, "-p", str(directory), "-c", str(directory / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0 and "[warn]" not in checked.stderr, checked.stderr
    running = start([*command, "-g", "daemon off;"], port, "/", directory / "error.log")
    yield running
    stop(running)


def check_cache_control(server: Running, site: Path) -> None:
    """Every file of the site, and the folders' addresses, get the README's Cache-Control."""
    paths = [*site_files(site), "", "topics/attention/"]
    assert len(paths) > 100
    wrong = {}
    for path in paths:
        answer = get(server.port, server.prefix + path, "HEAD")
        got = (answer.status, answer.headers.get_all("Cache-Control"), answer.headers["Expires"])
        if got != (200, [cache_control(path)], None):
            wrong[path] = got
    assert not wrong, wrong


def test_apache_sends_the_readmes_cache_control_under_a_sub_path(
    apache_configured: Running, built_site: Path
) -> None:
    check_cache_control(apache_configured, built_site)


def test_nginx_sends_the_readmes_cache_control(nginx: Running, built_site: Path) -> None:
    check_cache_control(nginx, built_site)


def check_compression(server: Running, site: Path) -> dict[str, int]:
    """gzip where the README promises it, and nothing else; the bytes are the site's own."""
    sizes = {}
    wrong = {}
    for path in site_files(site):
        answer = get(server.port, server.prefix + path, **{"Accept-Encoding": "gzip"})
        encoding = answer.headers["Content-Encoding"]
        body = gzip.decompress(answer.body) if encoding == "gzip" else answer.body
        expected = "gzip" if Path(path).suffix in COMPRESSED else None
        if len(body) < 256 and expected:
            expected = encoding  # tiny files: each server has its own lower limit
        if (answer.status, encoding, body) != (200, expected, (site / path).read_bytes()):
            wrong[path] = (answer.status, encoding)
        sizes[path] = len(answer.body)
    assert not wrong, "\n".join(f"{path}: {got}" for path, got in wrong.items())
    return sizes


@pytest.mark.parametrize("name", ["apache_configured", "apache_stock", "nginx"])
def test_text_and_webassembly_are_sent_gzipped(
    name: str, request: pytest.FixtureRequest, built_site: Path
) -> None:
    server: Running = request.getfixturevalue(name)
    sizes = check_compression(server, built_site)
    # pyodide.asm.wasm: 10.1 MB on disk, about 3.2 MB on the wire
    assert sizes[WASM] < 0.35 * (built_site / WASM).stat().st_size
    answer = get(server.port, server.prefix + WASM, "HEAD")
    assert answer.headers["Content-Type"] == "application/wasm"
    assert "Accept-Encoding" in (answer.headers["Vary"] or "")


def test_debians_stock_apache_serves_the_site_with_the_htaccess_but_no_cache_headers(
    apache_stock: Running, built_site: Path
) -> None:
    """Without mod_headers the file changes nothing but types and gzip: no error, no header;
    the browser then caches by its own rules (revalidating by Last-Modified and ETag)."""
    for path in site_files(built_site):
        answer = get(apache_stock.port, SUB_PATH + path, "HEAD")
        assert answer.status == 200, path
        assert answer.headers["Cache-Control"] is None, path
        assert answer.headers["Last-Modified"], path
    # the .htaccess itself is not served
    assert get(apache_stock.port, SUB_PATH + ".htaccess").status == 403


@pytest.mark.parametrize("name", ["apache_configured", "nginx"])
@pytest.mark.parametrize("path", ["", WASM, "assets/genai-course/python.js"])
def test_a_returning_learner_revalidates_with_a_304(
    name: str, path: str, request: pytest.FixtureRequest
) -> None:
    """A file revalidated (no-cache, or a day later) comes back as 304 Not Modified, with its
    Cache-Control, when the browser asks with the validators of its gzipped copy (the ETag if
    there is one, which wins, and the date)."""
    server: Running = request.getfixturevalue(name)
    first = get(server.port, server.prefix + path, **{"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    validators = {"If-Modified-Since": first.headers["Last-Modified"]}
    if first.headers["ETag"]:
        validators["If-None-Match"] = first.headers["ETag"]
    again = get(server.port, server.prefix + path, **{"Accept-Encoding": "gzip"}, **validators)
    assert again.status == 304, (validators, again.headers.items())
    assert again.headers["Cache-Control"] == cache_control(path)


def test_nginx_shows_mkdocs_404_page(nginx: Running, built_site: Path) -> None:
    answer = get(nginx.port, "/no/such/page/")
    assert answer.status == 404
    assert answer.body == (built_site / "404.html").read_bytes()


@pytest.mark.browser
def test_a_demo_runs_from_apache_under_a_sub_path(
    apache_configured: Running, page: object, requests_log: RequestLog
) -> None:
    """The site as a learner opens it from ~/public_html/genai-course/ on Apache: Pyodide's
    WebAssembly arrives gzipped and compiles, NumPy runs."""
    here = f"http://127.0.0.1:{apache_configured.port}{SUB_PATH}"
    page.goto(here + "try-it/")  # type: ignore[attr-defined]
    page.get_by_label("Numbers (comma-separated)").fill("0, 1, 2")  # type: ignore[attr-defined]
    demo = page.locator("#gc-demo-numpy_check")  # type: ignore[attr-defined]
    demo.locator(".gc-caption", has_text="emscripten").wait_for(timeout=120_000)
    assert demo.locator("figcaption").inner_text() == (
        "softmax([0, 1, 2]) = [0.0900, 0.2447, 0.6652]"
    )
    assert here + WASM in requests_log.urls


@pytest.mark.browser
def test_without_application_wasm_python_does_not_start(
    page: object, context: object, server: Server, built_site: Path
) -> None:
    """The one thing a host must do: served with another type, Pyodide's WebAssembly is refused
    by the browser, and the demos wait for Python for ever."""
    wasm = (built_site / WASM).read_bytes()
    context.route(  # type: ignore[attr-defined]
        "**/pyodide.asm.wasm",
        lambda route: route.fulfill(status=200, body=wasm, content_type="application/octet-stream"),
    )
    refused = "Incorrect response MIME type. Expected 'application/wasm'."
    with page.expect_console_message(  # type: ignore[attr-defined]
        lambda message: refused in message.text, timeout=120_000
    ):
        page.goto(server.url + "try-it/")  # type: ignore[attr-defined]
        page.get_by_label("Numbers (comma-separated)").fill("0, 1, 2")  # type: ignore[attr-defined]
    assert page.evaluate("window.genaiCourse.python.state") == "loading"  # type: ignore[attr-defined]
