"""Schemathesis against the OpenAPI schema of a running ``dispatch serve``: generated requests
(examples, coverage, fuzzing and stateful sequences) to every operation, with an admin token.
No answer may be a 5xx, and every answer must match the schema: its status code, content type,
headers and body.

Two checks are left out, each for a reason: ``positive_data_acceptance`` (the API refuses more
than the schema can say, such as a network code that does not exist, with a 422 naming it),
and ``allow_header_conformance`` (Litestar's automatic ``OPTIONS`` answer lists the methods of
the first handler it built for a path; no browser calls ``/api/v1`` across origins).

The JUnit report goes to ``test-artifacts/schemathesis/``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.processes import clean_env, free_port, run, start_api

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "schemathesis"
EXAMPLES = 25


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'schemathesis.sqlite3'}"
    url: str = request.getfixturevalue("clean_postgres")
    return url


# About 2 minutes on a quiet machine; over 5 on a CI machine under full load (its subprocess
# has 900 s).
@pytest.mark.timeout(1200)
def test_generated_requests_get_no_5xx_and_answers_that_match_the_schema(
    dispatch_bin: str, database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    port = free_port()
    env = clean_env(
        database_url=database,
        base_url=f"http://127.0.0.1:{port}",
        secret_key="schemathesis-secret-key-of-at-least-32-bytes",
        log_json="true",
        public_requests_per_minute="1000000",
    )
    run(dispatch_bin, env, "db", "upgrade")
    run(dispatch_bin, env, "demo")
    token = run(dispatch_bin, env, "token", "create", "--role", "admin", "--name", "st")
    api = start_api(dispatch_bin, env, port, tmp_path / "api.log")
    name = request.node.callspec.id
    # Invalid input refused for being too large (413, before it is parsed) is refused all the
    # same: Schemathesis's list of rejections lacks 413 by default.
    (tmp_path / "schemathesis.toml").write_text(
        "[checks.negative_data_rejection]\n"
        'expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", '
        '"422", "428", "429"]\n'
    )
    report = ARTIFACTS / f"junit-{name}.xml"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    schemathesis = str(Path(dispatch_bin).with_name("schemathesis"))
    try:
        result = subprocess.run(
            [
                schemathesis,
                "run",
                f"http://127.0.0.1:{port}/schema/openapi.json",
                "--header",
                f"Authorization: Bearer {token.strip().splitlines()[-1]}",
                "--max-examples",
                str(EXAMPLES),
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance,allow_header_conformance",
                "--seed",
                "20261123",
                "--report",
                "junit",
                "--report-junit-path",
                str(report),
                "--no-color",
            ],
            env={**env, "SCHEMATHESIS_HOOKS": ""},
            cwd=tmp_path,  # its cache of crashes goes there, not into the checkout
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        graceful = api.stop()
    summary = result.stdout[-4000:]
    generated = re.search(r"(\d+) generated", result.stdout)
    print(f"\nschemathesis ({name}): {generated.group(0) if generated else '?'}\n{summary}")
    assert result.returncode == 0, summary
    assert "Server error" not in result.stdout
    assert generated is not None
    assert int(generated.group(1)) >= 1000
    assert graceful
