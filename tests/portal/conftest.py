"""The portal's tests: Django set up on a data area of their own for the whole
test session (with two authorities' synthetic returns processed), on SQLite in
that area or, when ``DATABASE_URL`` names PostgreSQL, in a fresh schema dropped at
the end. Settings are chosen here, not in pyproject, so other tests never load
Django."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import django
import pytest
import sqlalchemy as sa
from platform_builders import TEST_KEY, allow, ssda903_files
from sqlalchemy.engine import make_url

_XDIST_CONTROLLER = "PYTEST_XDIST_WORKER" not in os.environ and any(
    arg in ("-n", "--numprocesses") or arg.startswith(("-n", "--numprocesses="))
    for arg in sys.argv[1:]
)
"""pytest-xdist's controlling process runs no test, but loads this file when a
path under tests/portal is given: it must set nothing up, above all not the
environment its workers inherit (pytest-django would set each worker's Django up
on the controller's data area before this file gave the worker its own)."""
_ROOT = Path(
    tempfile.gettempdir()
    if _XDIST_CONTROLLER
    else tempfile.mkdtemp(prefix="cld-portal-tests-")
)
DATA_DIR = _ROOT / "data"
_POSTGRES = os.environ.get("DATABASE_URL", "")
_SCHEMA = f"portal_{secrets.token_hex(6)}"

if not _XDIST_CONTROLLER:
    os.environ["CLD_ENV"] = "test"
    os.environ["CLD_PSEUDONYM_KEY"] = TEST_KEY  # uploads through the portal use it
    os.environ["CLD_DATA_DIR"] = str(DATA_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "cld.portal.settings"
    if _POSTGRES:
        _url = make_url(_POSTGRES).set(drivername="postgresql+psycopg")
        _admin = sa.create_engine(_url, poolclass=sa.pool.NullPool)
        with _admin.begin() as _db:
            _db.execute(sa.text(f"CREATE SCHEMA {_SCHEMA}"))
        os.environ["DATABASE_URL"] = _url.update_query_dict(
            {"options": f"-csearch_path={_SCHEMA}"}
        ).render_as_string(hide_password=False)

    django.setup()  # the test modules import the portal's models


@pytest.fixture(scope="session", autouse=True)
def _portal_area() -> Iterator[Path]:
    """The data area: registry, CAM (pan, sufficiency) and HAC (pan) in force, one
    session of each authority's SSDA903 returns processed, and the outputs built."""
    from cld.cli.app import run
    from cld.engine.transforms.pseudonymise import PseudonymKey
    from cld.pipeline.data_area import DataArea
    from cld.pipeline.outputs.build import build_outputs
    from cld.pipeline.registry import open_registry
    from cld.pipeline.registry.database import dispose_engines
    from cld.pipeline.session import process_files

    area = DataArea(DATA_DIR)
    area.create()
    registry = open_registry(area.registry_file, must_exist=False)
    registry.create(by="test")
    synthetic = _ROOT / "synthetic"
    assert (
        run(
            [
                "synth",
                "--out",
                str(synthetic),
                "--la",
                "CAM,HAC",
                "--years",
                "2024",
                "--datasets",
                "ssda903",
                "--children",
                "20",
                "--seed",
                "3",
            ]
        )
        == 0
    )
    allow(registry, "CAM", "pan", "sufficiency")
    allow(registry, "HAC", "pan")
    for la in ("CAM", "HAC"):
        process_files(
            area,
            registry,
            registry.authority(la),
            ssda903_files(synthetic, la, 2024, "header", "episodes"),
            by="test",
            key=PseudonymKey(TEST_KEY.encode()),
            today=dt.date.today(),
        )
    build_outputs(area, registry)
    yield DATA_DIR
    from django.db import connections

    connections.close_all()
    dispose_engines()
    if _POSTGRES:
        with _admin.begin() as db:
            db.execute(sa.text(f"DROP SCHEMA {_SCHEMA} CASCADE"))
        _admin.dispose()
    shutil.rmtree(_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(_portal_area: Path, django_db_blocker: Any) -> None:
    """Use the portal's own database (the data area's SQLite file or the test
    schema), brought up to date by its migrations, instead of a test database."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("migrate", interactive=False, verbosity=0)


@pytest.fixture
def data_dir(_portal_area: Path) -> Path:
    return _portal_area


@pytest.fixture
def synthetic_dir(_portal_area: Path) -> Path:
    """The synthetic returns the area was made from (``<LA>/…`` files of 2024)."""
    return _ROOT / "synthetic"


Member = Callable[..., Any]


def _second_factor_on_force_login(
    sender: Any, request: Any, user: Any, **_: Any
) -> None:
    """``Client.force_login`` signs in with a bare request (no client address):
    give such a session the user's second factor too, as if its code had been
    entered, so page tests need not type codes. Real sign-ins (the sign-in tests, the
    browser tests) go through the two-factor page."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if request is None or "REMOTE_ADDR" in request.META:
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


@pytest.fixture(scope="session", autouse=True)
def _force_login_gives_second_factor() -> Iterator[None]:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(_second_factor_on_force_login, dispatch_uid="cld-tests")
    yield
    user_logged_in.disconnect(dispatch_uid="cld-tests")


@pytest.fixture
def member(transactional_db: None) -> Member:
    """Make a user with a role: ``member("la-uploader", la="CAM")``, with a
    confirmed authenticator (``user.totp_device``)."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cld.portal.accounts.models import Membership

    def make(
        role: str | None,
        *,
        la: str = "",
        use_cases: tuple[str, ...] = (),
        password: str = "correct horse battery staple",
    ) -> Any:
        name = f"{role or 'nobody'}-{la or 'x'}-{secrets.token_hex(3)}"
        user = get_user_model().objects.create_user(username=name, password=password)
        if role is not None:
            Membership.objects.create(
                user=user, role=role, la=la, use_cases=list(use_cases)
            )
        user.totp_device = TOTPDevice.objects.create(  # type: ignore[attr-defined]
            user=user, name="authenticator app", confirmed=True
        )
        return user

    return make
