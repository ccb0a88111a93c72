"""The tests need nothing outside the checkout: a fresh clone anywhere runs them (the CAP test
once looked for the OASIS schema in a folder beside the repository)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UP = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")


def test_no_test_reaches_outside_the_checkout() -> None:
    reaching = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        # parents[n] of a file n folders below the checkout is the checkout; more is outside.
        depth = len(path.relative_to(ROOT).parts) - 1
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in UP.finditer(line):
                if int(match.group(1)) > depth:
                    reaching.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert reaching == [], "\n".join(reaching)


def test_the_cap_schema_is_carried_with_its_licence() -> None:
    schema = ROOT / "tests" / "data" / "cap" / "CAP-v1.2.xsd"
    assert schema.read_text(encoding="utf-8").startswith('<?xml version = "1.0"')
    assert "Copyright OASIS Open 2010" in schema.read_text(encoding="utf-8")
    assert "OASIS IPR Policy" in (schema.parent / "NOTICE.md").read_text(encoding="utf-8")
