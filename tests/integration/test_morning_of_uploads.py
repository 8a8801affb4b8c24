"""The morning all 33 boroughs upload, against the real server (`cld serve` in a
subprocess, on loopback): their returns sent through the API while outputs builds
run, the server killed and started again in the middle of the round, then 20
people signing in at once. Every build exits 0, every accepted upload publishes
once, nothing raw is left behind, and the server stays within the memory budget
docs/portal.md states (300 MiB). On SQLite here, on PostgreSQL in CI."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from platform_builders import TEST_KEY, allow, ssda903_files

from cld.cli.app import run
from cld.governance.authorities import authorities
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files
from cld.pipeline.registry import open_registry

pytestmark = pytest.mark.slow

LAS = [a.code for a in authorities()]
PASSWORD = "a long password for the morning of uploads"
SIGN_INS = 20
BUDGET_MIB = 300
"""The portal's memory budget (docs/portal.md, "Security")."""
CLD = str(Path(sys.executable).parent / "cld")
FIGURES = Path(os.environ.get("CLD_TEST_ARTIFACTS", "test-artifacts")) / "morning.json"
"""What the round measured, for docs/performance.md (written, never asserted)."""
SET_UP = """
import json, sys
from cld.cli.options import open_area
from cld.cli.serve_command import prepare_portal
data, las, people, password = sys.argv[1], sys.argv[2].split(","), *sys.argv[3:]
_, registry = open_area(data)
prepare_portal(data)
from cld.portal.accounts.actions import add_user, checked_member, issue_token
tokens = {}
for la in las:
    member = checked_member(registry, username=f"up-{la.lower()}", role="la-uploader",
                            la=la, use_cases=[])
    add_user(registry, member, password=password, by="test")
    tokens[la] = issue_token(registry, member.username, days=1, by="test").secret
for n in range(int(people)):
    member = checked_member(registry, username=f"analyst-{n}", role="hub-analyst",
                            la=None, use_cases=["pan"])
    add_user(registry, member, password=password, by="test")
print(json.dumps(tokens))
"""
"""Accounts made in one process (as `cld users add` and `cld users token` do, 86
times over, without 86 start-ups): an uploader with a token per authority and the
analysts who sign in."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _client() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only, whatever proxies the machine has
    return session


@dataclass
class Server:
    data: Path
    env: dict[str, str]
    log: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = _free_port()
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [CLD, "serve", "--data-dir", str(self.data), "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 300  # a limit on waiting, not a measurement
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"cld serve ended:\n{self.log.read_text()}")
            try:
                _client().get(f"{self.url}/health/", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.2)
        pytest.fail(f"cld serve never answered:\n{self.log.read_text()}")

    def kill(self) -> None:
        """``kill -9``: what a crash, an out-of-memory kill or a pulled plug does."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - stuck
                self.process.kill()
                self.process.wait()

    def peak_mib(self) -> float:
        """The server's peak resident memory so far (VmHWM), in MiB."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        assert found is not None
        return int(found.group(1)) / 1024


@pytest.fixture
def morning(
    tmp_path: Path, database: str
) -> Iterator[tuple[Server, dict[str, str], Path]]:
    """A data area with every authority in force for pan, each with an uploader
    and an API token, and 20 analysts; the server not started yet."""
    data = tmp_path / "data"
    returns = tmp_path / "returns"
    assert run(["init", "--data-dir", str(data)]) == 0
    registry = open_registry(DataArea(data).registry_file)
    for la in LAS:
        allow(registry, la, "pan")
    options = ["--datasets", "ssda903", "--children", "6", "--seed", "5"]
    assert run(["synth", "--out", str(returns), "--years", "2024", *options]) == 0
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "CLD_ENV": "development",
        "CLD_PSEUDONYM_KEY": TEST_KEY,
        "CLD_UPLOAD_WORKERS": "2",
    }
    made = subprocess.run(
        [sys.executable, "-c", SET_UP, str(data), ",".join(LAS), str(SIGN_INS)]
        + [PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    tokens = json.loads(made.stdout.strip().splitlines()[-1])
    server = Server(data, env, tmp_path / "portal.log")
    try:
        yield server, tokens, returns
    finally:
        server.stop()


ACCEPT_SECONDS: list[float] = []


def _send(server: Server, token: str, files: list[Path]) -> tuple[int, dict[str, Any]]:
    """One authority's upload through the API: (status, reply)."""
    opened = [("files", (path.name, path.read_bytes())) for path in files]
    started = time.monotonic()
    try:
        reply = _client().post(
            f"{server.url}/api/v1/uploads",
            headers={"Authorization": f"Bearer {token}"},
            files=opened,
            timeout=120,
        )
    except requests.RequestException:  # the server was killed mid-request
        return 0, {}
    ACCEPT_SECONDS.append(time.monotonic() - started)
    return reply.status_code, reply.json() if reply.content else {}


def _write_figures(**figures: object) -> None:
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
    FIGURES.write_text(json.dumps({**known, **figures}, indent=2))


def _build_outputs(data: Path, env: dict[str, str]) -> int:
    return subprocess.run(
        [CLD, "outputs", "--data-dir", str(data), "--use-case", "pan"],
        env=env,
        capture_output=True,
        check=False,
    ).returncode


def _wait_until_done(server: Server, data: Path, sessions: set[str]) -> set[str]:
    """Until every session of ``sessions`` has finished (or the limit): those
    published."""
    registry = open_registry(DataArea(data).registry_file)
    deadline = time.monotonic() + 900  # a limit on waiting, not a measurement
    while time.monotonic() < deadline:
        records = {r.id: r.status for r in registry.sessions()}
        if all(records.get(s) in ("published", "failed", "archived") for s in sessions):
            return {s for s in sessions if records[s] == "published"}
        time.sleep(1)
    pytest.fail(
        f"sessions still running: {sorted(s for s in sessions if s not in records)}"
    )


def test_33_authorities_upload_while_outputs_build_through_a_restart(
    morning: tuple[Server, dict[str, str], Path],
) -> None:
    server, tokens, returns = morning
    data, env = server.data, server.env
    server.start()
    began = time.monotonic()
    files = {la: ssda903_files(returns, la, 2024, "header", "episodes") for la in LAS}
    first, second = LAS[:17], LAS[17:]
    accepted: dict[str, str] = {}

    def send_round(las: list[str]) -> None:
        """Each of ``las`` sends its return, eight at a time; each is accepted."""
        with ThreadPoolExecutor(max_workers=8) as senders:
            for la, (status, reply) in zip(
                las,
                senders.map(lambda la: _send(server, tokens[la], files[la]), las),
                strict=True,
            ):
                assert status == 202, (la, status, reply)
                accepted[la] = reply["session"]

    with ThreadPoolExecutor(max_workers=2) as builds:
        running = [builds.submit(_build_outputs, data, env)]
        send_round(first)
        running.append(builds.submit(_build_outputs, data, env))
        server.kill()  # mid-round: accepted uploads queued or being processed
        server.start()
        send_round(second)
        running.append(builds.submit(_build_outputs, data, env))
        published = _wait_until_done(server, data, set(accepted.values()))
        all_published = time.monotonic() - began
        assert [build.result() for build in running] == [0, 0, 0]
    assert published == set(accepted.values())  # every accepted upload, once
    area = DataArea(data)
    for la in LAS:
        assert sorted(current_files(area, la)) == [
            "pan/ssda903/2024/episodes.parquet",
            "pan/ssda903/2024/header.parquet",
        ], la
    registry = open_registry(area.registry_file)
    finished = [str(e.detail["session"]) for e in registry.events("session_published")]
    assert sorted(finished) == sorted(published)  # each published once
    again = [
        e.detail["session"]
        for e in registry.events("session_started")
        if e.detail.get("again")
    ]
    assert set(again) <= set(accepted.values())  # the ones the kill interrupted
    assert _build_outputs(data, env) == 0
    manifest = json.loads((data / "outputs" / "pan" / "manifest.json").read_text())
    assert sorted(manifest["las"]) == sorted(LAS)
    raw = [p for p in (data / "incoming").rglob("*") if p.is_file()]
    assert raw == []  # nothing raw left behind, killed or not
    accepts = sorted(ACCEPT_SECONDS)
    _write_figures(
        uploads=len(accepted),
        run_again_after_the_kill=len(set(again)),
        all_published_seconds=round(all_published, 1),
        accept_seconds_median=round(accepts[len(accepts) // 2], 2),
        accept_seconds_p95=round(accepts[int(len(accepts) * 0.95)], 2),
    )


def test_twenty_sign_ins_at_once_stay_within_the_memory_budget(
    morning: tuple[Server, dict[str, str], Path],
) -> None:
    server, _, _ = morning
    server.start()

    def sign_in(n: int) -> int:
        browser = _client()
        page = browser.get(f"{server.url}/sign-in/", timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None
        reply = browser.post(
            f"{server.url}/sign-in/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "username": f"analyst-{n}",
                "password": PASSWORD,
            },
            headers={"Referer": f"{server.url}/sign-in/"},
            allow_redirects=False,
            timeout=120,
        )
        return reply.status_code

    with ThreadPoolExecutor(max_workers=SIGN_INS) as people:
        answers = list(people.map(sign_in, range(SIGN_INS)))
    assert answers == [302] * SIGN_INS  # on to the second factor, every one
    peak = server.peak_mib()
    _write_figures(sign_ins=SIGN_INS, server_peak_mib=round(peak))
    assert peak < BUDGET_MIB
