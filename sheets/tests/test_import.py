"""Importing into a new sheet or an existing one: preview, explicit mode,
one op (one transaction, one change-log entry, one broadcast), permissions,
a failed import changing nothing, double confirms, and the job runners."""

import itertools
import re
import time
import uuid

import pytest
from django.core.management import call_command

from sheets import realtime, selectors, services
from sheets.io import jobs, writer
from sheets.models import Change, ImportJob, Role, Sheet
from sheets.tests.importing import (  # noqa: F401 (fixtures)
    HX,
    columns_of,
    confirm,
    grid,
    import_new,
    inline_imports,
    last_job,
    remove_rows,
    retype,
    state,
    typed_columns,
    upload,
)

pytestmark = pytest.mark.django_db

TYPES = {"Item": "text", "Amount": "number", "Due": "date", "Paid": "checkbox"}
CSV = b"item,AMOUNT,Due,Paid\nRent,900,2027-01-31,true\nFood,12.5,,false\n"


@pytest.fixture
def typed(sheet, user):
    typed_columns(sheet, user, TYPES)
    remove_rows(sheet, user)
    services.rows_insert(
        sheet=sheet,
        user=user,
        client_id="",
        op_id=str(uuid.uuid4()),
        rows=[{"id": str(uuid.uuid4()), "after": None, "values": {}}],
    )
    return sheet


def import_into(client, user, sheet, data: bytes, mode: str) -> ImportJob:
    upload(client, data, sheet=sheet)
    job = last_job(user)
    assert job.status == "ready", job.error
    confirm(client, job, mode)
    job.refresh_from_db()
    return job


# --- Into an existing sheet


@pytest.mark.usefixtures("inline_imports")
def test_append_maps_headers_to_columns_and_adds_rows(
    auth_client, user, typed, sent, django_capture_on_commit_callbacks
):
    before = Sheet.objects.get(pk=typed.pk).version
    with django_capture_on_commit_callbacks(execute=True):
        job = import_into(auth_client, user, typed, CSV, "append")
    assert job.status == "done", job.error
    assert [m["column"] for m in job.preview["mapping"]] == ["Item", "Amount", "Due", "Paid"]
    assert grid(typed) == [
        [None, None, None, None, None],
        ["Rent", 900, "2027-01-31", True, None],
        ["Food", 12.5, None, False, None],
    ]
    sheet = Sheet.objects.get(pk=typed.pk)
    assert sheet.version == before + 1  # one op
    change = Change.objects.get(sheet=sheet, seq=sheet.version)
    assert change.payload["type"] == "sheet.reset"
    assert change.payload["rows"] == 2
    assert str(change.op_id) == str(job.id)
    events = [m["event"] for g, m in sent if g == realtime.sheet_group(sheet.id)]
    assert [(e["type"], e["seq"], e["mode"]) for e in events] == [
        ("sheet.reset", sheet.version, "append")
    ]


@pytest.mark.usefixtures("inline_imports")
def test_replace_removes_every_row_first(auth_client, user, typed):
    job = import_into(auth_client, user, typed, CSV, "replace")
    assert job.status == "done"
    assert grid(typed) == [
        ["Rent", 900, "2027-01-31", True, None],
        ["Food", 12.5, None, False, None],
    ]
    assert (
        selectors.recent_changes(sheet=typed)[0]["what"] == "imported 2 rows (replacing all rows)"
    )


@pytest.mark.usefixtures("inline_imports")
def test_the_mode_must_be_chosen(auth_client, user, typed):
    before = state(typed)
    upload(auth_client, CSV, sheet=typed)
    job = last_job(user)
    response = confirm(auth_client, job)
    # htmx swaps only 2xx answers: the message comes with a 200 (a plain post: 400).
    assert response.status_code == 200
    assert "append the rows or replace all rows" in response.content.decode()
    assert 'type="radio" name="mode" value="append" required' in response.content.decode()
    assert auth_client.post(f"/imports/{job.id}/confirm/").status_code == 400
    job.refresh_from_db()
    assert job.status == "ready"
    assert state(typed) == before


@pytest.mark.usefixtures("inline_imports")
def test_unknown_headers_are_skipped_with_a_warning(auth_client, user, typed):
    job = import_into(auth_client, user, typed, b"Item,Colour\nRent,red\n", "append")
    assert (
        "Not columns of this sheet, so not imported unless added as new columns: “Colour”."
        in job.preview["warnings"]
    )
    assert grid(typed)[-1] == ["Rent", None, None, None, None]


@pytest.mark.usefixtures("inline_imports")
def test_row_errors_are_listed_and_the_import_waits_for_a_choice(auth_client, user, typed):
    before = state(typed)
    data = b"Item,Amount,Due,Paid\nRent,abc,2027-01-31,true\nFood,1,31/01/2027,maybe\nOk,2,,\n"
    response = upload(auth_client, data, sheet=typed)
    job = last_job(user)
    assert job.preview["error_count"] == 3
    assert job.preview["errors"] == [
        {"row": 2, "column": "Amount", "message": "“abc” is not a number."},
        {"row": 3, "column": "Due", "message": "“31/01/2027” is not a date (YYYY-MM-DD)."},
        {"row": 3, "column": "Paid", "message": "“maybe” is not true or false."},
    ]
    body = response.content.decode()
    assert "2 rows of the file have problems (3 in all)" in body
    assert 'type="radio" name="bad_rows" value="skip" required' in body
    response = confirm(auth_client, job, "append")
    assert "2 rows of the file have problems: choose whether to skip them" in (
        response.content.decode()
    )
    job.refresh_from_db()
    assert job.status == "ready"
    assert state(typed) == before


@pytest.mark.usefixtures("inline_imports")
def test_a_second_confirm_of_the_same_job_is_a_no_op(auth_client, user, typed):
    upload(auth_client, CSV, sheet=typed)
    job = last_job(user)
    assert confirm(auth_client, job, "append").status_code == 200
    after_first = state(typed)
    response = confirm(auth_client, job, "append")
    assert response.status_code == 200
    assert "Imported 2 rows" in response.content.decode()
    assert state(typed) == after_first


@pytest.mark.usefixtures("inline_imports")
def test_columns_changed_between_preview_and_confirm_fail_cleanly(auth_client, user, typed):
    upload(auth_client, CSV, sheet=typed)
    job = last_job(user)
    retype(typed, user, "Amount", "date")
    before = state(typed)
    response = confirm(auth_client, job, "append")
    job.refresh_from_db()
    assert job.status == "failed"
    assert "do not fit their column" in job.error
    assert 'role="alert"' in response.content.decode()
    assert state(typed) == before


# --- A failed import changes nothing (the service itself)


def test_a_bad_value_refuses_the_whole_import(
    user, typed, sent, django_capture_on_commit_callbacks
):
    before = state(typed)
    columns = [{"id": str(c.id)} for c in typed.columns.order_by("position")[:2]]
    rows = ([f"r{i}", str(i)] for i in range(5000))

    def with_a_bad_one():
        yield from rows
        yield ["bad", "not a number"]

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.OpError) as refused,
    ):
        writer.sheet_import(
            sheet=typed,
            user=user,
            mode="replace",
            columns=columns,
            rows=enumerate(with_a_bad_one(), 2),
        )
    assert refused.value.details["errors"] == [
        {"row": 5002, "column": "Amount", "message": "“not a number” is not a number."}
    ]
    assert state(typed) == before
    assert sent == []


def test_a_failed_new_sheet_import_leaves_no_sheet(user):
    count = Sheet.objects.count()
    with pytest.raises(services.OpError):
        writer.sheet_import_new(
            owner=user,
            title="New",
            columns=[{"name": "n", "type": "number"}],
            rows=enumerate([["1"], ["x"]], 2),
        )
    assert Sheet.objects.count() == count


def test_the_row_limit_holds_for_appends(user, typed, settings):
    settings.MAX_ROWS_PER_SHEET = 3
    before = state(typed)
    columns = [{"id": str(typed.columns.get(name="Item").id)}]
    with pytest.raises(services.OpError, match="at most 3 rows"):
        writer.sheet_import(
            sheet=typed, user=user, mode="append", columns=columns, rows=enumerate([["a"]] * 3, 2)
        )
    assert state(typed) == before


# --- Who may import


@pytest.mark.usefixtures("inline_imports")
def test_editor_may_import_viewer_may_not(client_for, make_user, user, typed):
    editor, viewer = make_user("eddie"), make_user("vera")
    services.sheet_share(sheet=typed, user=user, who="eddie", role=Role.EDITOR)
    services.sheet_share(sheet=typed, user=user, who="vera", role=Role.VIEWER)
    job = import_into(client_for(editor), editor, typed, CSV, "append")
    assert job.status == "done"
    before = state(typed)
    viewing = client_for(viewer)
    assert viewing.get(f"/sheets/{typed.id}/import/").status_code == 403
    assert upload(viewing, CSV, sheet=typed).status_code == 403
    assert not ImportJob.objects.filter(user=viewer).exists()
    assert state(typed) == before


@pytest.mark.usefixtures("inline_imports")
def test_a_viewer_demoted_after_the_preview_cannot_confirm(client_for, make_user, user, typed):
    editor = make_user("eddie")
    services.sheet_share(sheet=typed, user=user, who="eddie", role=Role.EDITOR)
    editing = client_for(editor)
    upload(editing, CSV, sheet=typed)
    job = last_job(editor)
    services.sheet_share(sheet=typed, user=user, who="eddie", role=Role.VIEWER)
    before = state(typed)
    assert confirm(editing, job, "replace").status_code == 403
    assert state(typed) == before


@pytest.mark.usefixtures("inline_imports")
def test_strangers_get_404_for_sheets_and_jobs(client_for, other_user, user, auth_client, typed):
    stranger = client_for(other_user)
    assert stranger.get(f"/sheets/{typed.id}/import/").status_code == 404
    assert upload(stranger, CSV, sheet=typed).status_code == 404
    upload(auth_client, CSV, sheet=typed)
    job = last_job(user)
    assert stranger.get(f"/imports/{job.id}/").status_code == 404
    assert confirm(stranger, job, "append").status_code == 404
    assert stranger.post(f"/imports/{job.id}/reread/", {"delimiter": "comma"}).status_code == 404
    job.refresh_from_db()
    assert job.status == "ready"


def test_the_import_pages_need_login(client, sheet):
    for url in ("/sheets/import/", f"/sheets/{sheet.id}/import/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


# --- Pages


@pytest.mark.usefixtures("inline_imports")
def test_without_htmx_the_upload_redirects_to_the_job_page(auth_client, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = auth_client.post("/sheets/import/", {"file": SimpleUploadedFile("a.csv", CSV)})
    job = last_job(user)
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.id}/"
    page = auth_client.get(response["Location"]).content.decode()
    assert "<html" in page and 'aria-label="First rows"' in page


def test_the_list_and_sheet_pages_offer_import_and_export(auth_client, sheet):
    body = auth_client.get("/sheets/").content.decode()
    for needle in ('<label for="import-file">File</label>', "Delimiter", ">Preview</button>"):
        assert needle in body
    assert f'href="/sheets/{sheet.id}/export.csv"' in body
    assert f'aria-label="Export XLSX of {sheet.title}"' in body
    body = auth_client.get(f"/sheets/{sheet.id}/").content.decode()
    # Toolbar links: an icon, then the label.
    assert f'href="/sheets/{sheet.id}/import/">' in body and "<span>Import…</span></a>" in body
    assert "<span>Export CSV</span></a>" in body and "<span>Export XLSX</span></a>" in body


# --- Runners and progress


@pytest.mark.django_db(transaction=True)
def test_a_threaded_import_reports_progress_until_done(
    settings, tmp_path, client_for, make_user, progress_gate
):
    """The job page shows each figure the import thread reports: the thread
    waits at each report until the page has been read (`progress_gate`)."""
    settings.IMPORT_RUNNER = "thread"
    settings.IMPORT_DIR = tmp_path
    owner = make_user("tess")
    client = client_for(owner)
    data = b"n,t\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(30_000))
    upload(client, data, name="big.csv")
    job = last_job(owner)
    job = _wait(client, job, "ready")
    response = confirm(client, job)  # answers while the thread waits at its first report
    assert response.status_code == 200
    seen: list[int] = []
    while not seen or seen[-1] < 30_000:
        reported = progress_gate.next_report()
        page = client.get(f"/imports/{job.id}/", **HX).content.decode()
        found = re.findall(r"Importing… ([\d,]+) of 30,000 rows", page)
        shown = [int(n.replace(",", "")) for n in found]
        assert shown == [reported], f"the import reported {reported}, the page shows {shown}"
        assert 'hx-trigger="every 1s"' in page, "the page stopped polling before the end"
        # Every row sent, the commit still to come: the page says so.
        assert ("saving them…" in page) == (reported == 30_000)
        seen.append(reported)
        progress_gate.go_on()
    assert seen[0] == 0 and len(seen) > 2, f"too few reports: {seen}"
    assert all(a < b for a, b in itertools.pairwise(seen)), f"the progress went back: {seen}"
    job = _wait(client, job, "done")
    assert job.result["rows"] == 30_000
    assert job.result["from_cache"] is True  # the rows the preview kept
    assert job.sheet.rows.count() == 30_000
    assert not (tmp_path / f"{job.id}.csv").exists()
    assert not (tmp_path / f"{job.id}.csv.rows").exists()


def _wait(client, job, status: str, seconds: float = 60) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = client.get(f"/imports/{job.id}/", **HX).content.decode()
        job.refresh_from_db()
        if job.status == status:
            return job
        assert job.status in ("uploaded", "analysing", "ready", "queued", "running"), job.error
        assert 'hx-trigger="every 1s"' in page or job.status == "ready"
        time.sleep(0.2)  # polling a thread, as the page does
    raise AssertionError(f"waited {seconds} s for the job to be {status}: it is {job.status}")


def test_the_worker_command_runs_waiting_jobs(settings, tmp_path, auth_client, user):
    settings.IMPORT_RUNNER = "worker"
    settings.IMPORT_DIR = tmp_path
    upload(auth_client, CSV)
    job = last_job(user)
    assert job.status == "uploaded"
    call_command("run_import_jobs", "--once")
    job.refresh_from_db()
    assert job.status == "ready"
    confirm(auth_client, job)
    call_command("run_import_jobs", "--once")
    job.refresh_from_db()
    assert job.status == "done"
    assert columns_of(job.sheet)[1] == ("AMOUNT", "number")


@pytest.mark.usefixtures("inline_imports")
def test_a_job_whose_runner_died_says_so(auth_client, user, typed):
    upload(auth_client, CSV, sheet=typed)
    job = last_job(user)
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    ImportJob.objects.filter(pk=job.pk).update(updated_at=job.updated_at - jobs.STALE_AFTER * 2)
    body = auth_client.get(f"/imports/{job.id}/", **HX).content.decode()
    assert "stopped before it finished" in body
    job.refresh_from_db()
    assert job.status == "failed"


def test_imported_rows_get_increasing_uuid7_ids():
    from sheets.io.bulk import new_row_ids

    ids = new_row_ids(5000) + new_row_ids(10)
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    assert len(set(ids)) == len(ids)
    assert ids[:5000] == sorted(ids[:5000])
