"""``motcua identity create-officer`` against its own SQLite database."""

from typer.testing import CliRunner

from motcua.cli import app


def test_create_officer(own_database: None) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["units", "load"]).exit_code == 0
    args = ["identity", "create-officer", "--username", "gs_12", "--agency-code",
            "000.00.00.G01", "--role", "national_viewer"]  # fmt: skip
    created = runner.invoke(app, [*args, "--password", "mat-khau-123"])
    assert created.exit_code == 0, created.output
    assert "gs_12" in created.output
    prompted = runner.invoke(
        app, [*args[:2], "--username", "gs_13", *args[4:]], input="mat-khau-456\nmat-khau-456\n"
    )
    assert prompted.exit_code == 0, prompted.output
    again = runner.invoke(app, [*args, "--password", "mat-khau-123"])
    assert again.exit_code == 1 and "đã có người dùng" in again.output
    bad_role = runner.invoke(app, [*args[:6], "--role", "king", "--password", "mat-khau-123"])
    assert bad_role.exit_code == 2
