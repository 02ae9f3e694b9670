"""`helpline resources`: what NGO staff type, and what they see."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.directory import exporter, importer, national, resources_cli
from bot.directory.models import NEEDS, Service
from bot.settings import Settings
from tests.directory.test_import import HSDS, TEMPLATE, template_rows, write_rows


def helpline(settings: Settings, *argv: str) -> tuple[int, str]:
    """Run `helpline resources ...` in-process; (exit code, what it printed)."""
    args = cli.build_parser().parse_args(["resources", *argv])
    out = io.StringIO()
    code = resources_cli.run(args, settings, out)
    return code, out.getvalue()


def service(settings: Settings, service_id: str) -> Service | None:
    from bot.db.session import session_factory

    with session_factory(settings.resolved_database_url())() as session:
        return session.get(Service, service_id)


def test_the_parser_lists_what_the_modules_accept() -> None:
    assert resources_cli.IMPORT_FORMATS == importer.FORMATS
    assert resources_cli.EXPORT_FORMATS == exporter.EXPORT_FORMATS
    assert resources_cli.NEED_NAMES == NEEDS
    assert resources_cli.SEED_FILE == national.SEED_FILE


def test_import_then_list_show_and_export(settings: Settings, tmp_path: Path) -> None:
    code, out = helpline(settings, "import", str(TEMPLATE), "--dry-run")
    assert code == 0 and "Dry run" in out
    assert service(settings, "th-hotline") is None

    code, out = helpline(settings, "import", str(TEMPLATE))
    assert code == 0 and "Imported." in out and "5 added" in out
    code, out = helpline(settings, "import", str(TEMPLATE))
    assert code == 0 and "total                0 added, 0 changed" in out

    code, out = helpline(settings, "list")
    assert code == 0 and out.splitlines()[0].split() == [
        "ID",
        "NEEDS",
        "COUNTRY",
        "VERIFIED",
        "NAME",
    ]
    assert "5 services." in out
    code, out = helpline(settings, "list", "--need", "shelter")
    assert "th-bkk-shelter" in out and "th-hotline" not in out and "1 service." in out
    code, out = helpline(settings, "list", "--country", "gb")
    assert "gb-london-counselling" in out and "th-bkk-shelter" not in out
    code, out = helpline(settings, "list", "--need", "child_protection")
    assert out.strip() == "No services match."

    code, out = helpline(settings, "show", "th-bkk-shelter")
    assert code == 0
    assert "needs:                  shelter counselling" in out
    assert "hours:                  24/7" in out
    assert "phones:                 +66 2 123 4567, +66 81 234 5678" in out
    assert "time zone:            Asia/Bangkok" in out
    code, out = helpline(settings, "show", "nope")
    assert code == 1 and "No service with id 'nope'" in out

    code, out = helpline(settings, "export", str(tmp_path / "out"))
    assert code == 0 and (tmp_path / "out" / "datapackage.json").exists()
    code, out = helpline(settings, "export", str(tmp_path / "services.csv"))
    assert code == 0 and "Exported (template)" in out


def test_a_rejected_import_exits_1_and_says_why(settings: Settings, tmp_path: Path) -> None:
    rows = template_rows()
    rows[1]["phone"] = "12345"
    code, out = helpline(settings, "import", str(write_rows(tmp_path / "bad.csv", rows)))
    assert code == 1
    assert "bad.csv row 3: phone '12345' is not a valid number for TH" in out
    assert "Nothing was written" in out and "Traceback" not in out
    code, out = helpline(settings, "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "no such file or folder" in out


def test_hsds_import_uses_the_helplines_country_for_bare_numbers(
    settings: Settings, tmp_path: Path
) -> None:
    code, out = helpline(settings, "import", str(HSDS), "--format", "hsds-csv")
    assert code == 0, out
    code, out = helpline(settings, "import", str(HSDS), "--country", "TH")
    assert code == 0 and "0 added, 0 changed" in out


def test_add_checks_like_a_template_row(settings: Settings) -> None:
    base = [
        "add",
        "--organization", "Example Migrant Help",
        "--service", "Night shelter",
        "--needs", "shelter", "child_protection",
        "--country", "TH",
        "--city", "Chiang Rai",
        "--latitude", "19.9105", "--longitude", "99.8406",
        "--hours", "daily 18:00-08:00",
        "--languages", "th", "my",
        "--service-area", "Chiang Rai",
        "--trafficking-specialist",
    ]  # fmt: skip
    code, out = helpline(settings, *base, "--phone", "12345")
    assert code == 1
    assert "resources add: phone '12345' is not a valid number for TH" in out

    code, out = helpline(settings, *base, "--phone", "053 123 456", "--id", "th-cr-night")
    assert code == 0, out
    assert "service id: th-cr-night" in out
    added = service(settings, "th-cr-night")
    assert added is not None and added.trafficking_specialist
    code, out = helpline(settings, "show", "th-cr-night")
    assert "hours:                  Mo-Su 18:00-08:00" in out
    assert "needs:                  shelter child_protection" in out

    code, out = helpline(settings, *base, "--phone", "053 123 456")
    assert code == 0 and "service id: " in out


def test_verify_and_stale(settings: Settings) -> None:
    helpline(settings, "import", str(TEMPLATE))
    code, out = helpline(settings, "stale")
    # Never verified (3) and verified in January 2025 (more than 12 months before 2026-11-26).
    stale = {line.split()[0] for line in out.splitlines()[1:-1]}
    assert code == 0 and "th-hotline" in stale and "us-ny-legal" in stale
    assert "th-bkk-shelter" not in stale

    code, out = helpline(settings, "verify", "th-hotline", "--by", "Example NGO, by phone")
    assert code == 0 and f"by Example NGO, by phone on {date.today()}" in out
    verified = service(settings, "th-hotline")
    assert verified is not None and verified.assured_date == date.today()
    assert verified.assurer_email == "Example NGO, by phone"
    code, out = helpline(settings, "list", "--stale")
    assert "th-hotline" not in out

    code, out = helpline(settings, "verify", "us-ny-legal", "--by", "X", "--on", "2026-01-05")
    assert code == 0
    code, out = helpline(settings, "stale", "--months", "3")
    assert "us-ny-legal" in out
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    code, out = helpline(settings, "verify", "us-ny-legal", "--by", "X", "--on", tomorrow)
    assert code == 1 and "in the future" in out
    code, out = helpline(settings, "verify", "nope", "--by", "X")
    assert code == 1 and "No service with id 'nope'" in out


def test_seed_and_unchecked_rows_count_as_never_verified(settings: Settings) -> None:
    code, out = helpline(settings, "seed")
    assert code == 0 and "Imported." in out
    code, out = helpline(settings, "list", "--country", "TH")
    assert "seed-hotline-TH" in out and "(unchecked)" in out
    code, out = helpline(settings, "stale")
    assert "seed-hotline-TH" in out


def test_the_command_itself(tmp_path: Path) -> None:
    """The installed entry point: a rejected file is exit 1 with a message, no traceback."""
    bad = write_rows(tmp_path / "bad.csv", [{**template_rows()[0], "gender": "female"}])
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    env["HELPLINE_DATA_DIR"] = str(tmp_path / "var")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "resources", "import", str(bad)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "bad.csv row 2: gender 'female' is not one of any, women, men" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "task", ["import", "export", "list", "show", "add", "verify", "stale", "seed"]
)
def test_every_task_has_help(task: str) -> None:
    with pytest.raises(SystemExit) as leaving:
        cli.build_parser().parse_args(["resources", task, "--help"])
    assert leaving.value.code == 0
