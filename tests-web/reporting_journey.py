"""Indicator reporting and approval as their people do it, in headless Chromium, on the demo server with people made
by the CLI (a reporter and an approver of Hải Phòng, unit 31; a monitoring officer):
- the reporter goes from the account page to the reporting page, sees what is due for 2026, downloads the XLSX
  template from there, fills it with openpyxl (last year's figures; one cell holds a text), uploads it through the
  file form, sees the one refused cell named in Vietnamese (sheet, row, column), fixes it, uploads again and sees the
  values submitted — each effect checked through the API with the same session;
- the approver opens the inbox, sends one value back with a note and approves the rest, all checked through the API;
- on the phone, in English, the reporter sees the approver's note on the value sent back and corrects it with the
  single-value form (submitted again);
- the monitoring officer gets 403 on the same pages and forms; the reporter gets 403 on the approver's.
Every page: a screenshot, no horizontal scroll, no console error, no axe-core violation. Exit 1 on any problem.
    reporting_journey.py BASE_URL PASSWORD SHOTS_DIR
"""
import io
import os
import sys
import tempfile

import openpyxl
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(__file__))
os.environ["XANH_SHOTS"] = sys.argv[3]
from account_pages_support import api, check, driver, expect, fetch, follow, login, problems, refused  # noqa: E402

base, password = sys.argv[1], sys.argv[2]
PERIOD = "2026"


def values(d, period):
    """The unit's reported values of a period (not those computed from monitoring data)."""
    status, body = api(d, f"/api/v1/values?unit=31&period={period}")
    expect(status == 200, f"the values API answered {status}")
    return {v["indicator"]: v for v in body.get("items", []) if not v["indicator"].startswith("MON.")}


def upload(d, width, data, name):
    """Puts a workbook in the file form and sends it."""
    path = os.path.join(tempfile.mkdtemp(), f"{name}.xlsx")
    with open(path, "wb") as f:
        f.write(data)
    d.find_element(By.ID, "rp-file").send_keys(path)
    follow(d, d.find_element(By.ID, "upload"))


def reporter(width, height):
    d = driver(width, height)
    try:
        login(d, base, "minh", password)
        follow(d, d.find_element(By.CSS_SELECTOR, 'a[href="/workspace/reporting?lang=vi"]'))
        check(d, width, "reporting-vi")
        due = d.find_elements(By.CSS_SELECTOR, "#due tbody tr")
        expect(len(due) >= 10, f"the reporting page lists {len(due)} indicators due")
        expect(all(r.get_attribute("data-status") == "missing" for r in due), "some 2026 value is in before the reporter sent any")
        # The template, from the page's own link, with the page's session.
        status, headers, data = fetch(d, d.find_element(By.ID, "template").get_attribute("href"))
        expect(status == 200 and "spreadsheetml" in headers.get("Content-Type", ""), f"the template answered {status}")
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book["so_lieu"]
        header = [c.value for c in sheet[1]]
        expect(header[0] == "Mã chỉ tiêu (indicator)" and "Mã đơn vị hành chính (admin_unit)" in header
               and "Đơn vị tính (unit_of_measure)" in header, f"the template's headers are {header}")
        col = {h.rsplit("(", 1)[1].rstrip(")"): i + 1 for i, h in enumerate(header)}
        rules = [str(v.sqref) for v in sheet.data_validations.dataValidation]
        expect(len(rules) >= len(due), f"the template has {len(rules)} data-validation rules for {len(due)} rows")
        # Last year's approved figures, to fill in as this year's (no outlier against the unit's history).
        last = values(d, "2025")
        ratios, directs = [], []
        for r in range(2, sheet.max_row + 1):
            code = sheet.cell(r, col["indicator"]).value
            v = last.get(code)
            if not v:
                continue
            if sheet.cell(r, col["kind"]).value.startswith("tỷ lệ"):
                if v.get("numerator") is not None:
                    ratios.append((r, code, v))
            else:
                directs.append((r, code, v))
        # A direct indicator the demo has no history of for Hải Phòng: a count of public EV charging ports.
        for r in range(2, sheet.max_row + 1):
            if sheet.cell(r, col["indicator"]).value == "GG.EV-PORTS" and not directs:
                directs.append((r, "GG.EV-PORTS", {"value": 40}))
        expect(directs and len(ratios) >= 3, f"2025 has {len(directs)} direct and {len(ratios)} ratio values to start from")
        filled = ratios[:3] + directs[:1]
        for r, code, v in filled:
            if v.get("numerator") is not None and r in [x[0] for x in ratios]:
                sheet.cell(r, col["numerator"]).value = v["numerator"]
                sheet.cell(r, col["denominator"]).value = v["denominator"]
            else:
                sheet.cell(r, col["value"]).value = v["value"]
        bad_row, bad_code, bad_value = filled[-1]
        sheet.cell(bad_row, col["value"]).value = "khoảng 40"
        out = io.BytesIO()
        book.save(out)
        upload(d, width, out.getvalue(), "mau-loi")
        errors = d.find_elements(By.CSS_SELECTOR, "#problems li")
        column = openpyxl.utils.get_column_letter(col["value"])
        text = errors[0].text if errors else ""
        expect(len(errors) == 1, f"the bad upload shows {len(errors)} problems: {[e.text for e in errors]}")
        expect(f"dòng {bad_row}" in text and f"cột {column}" in text and "so_lieu" in text and "không phải là số" in text,
               f"the refusal does not name the cell in Vietnamese: {text}")
        check(d, width, "reporting-refused-vi")
        expect(values(d, PERIOD) == {}, "a refused file stored something")
        sheet.cell(bad_row, col["value"]).value = bad_value["value"]
        out = io.BytesIO()
        book.save(out)
        upload(d, width, out.getvalue(), "mau-dung")
        expect(d.find_elements(By.ID, "stored"), f"the corrected upload shows no confirmation: {d.current_url}")
        check(d, width, "reporting-stored-vi")
        shown = {r.get_attribute("data-indicator"): r.get_attribute("data-status") for r in d.find_elements(By.CSS_SELECTOR, "#due tbody tr")}
        expect(all(shown.get(code) == "submitted" for _, code, _ in filled), f"the page shows {shown}")
        stored = values(d, PERIOD)
        expect(sorted(stored) == sorted(c for _, c, _ in filled) and all(v["status"] == "submitted" for v in stored.values()),
               f"the API holds {[(k, v['status']) for k, v in stored.items()]}")
        # Sending the same file again is safe: nothing changes.
        upload(d, width, out.getvalue(), "mau-lan-hai")
        expect(values(d, PERIOD) == stored, "the same file sent twice changed the values")
        # The approver's inbox is not the reporter's.
        for path in ["/workspace/approvals"]:
            d.get(base + path)
            expect("403" in d.page_source, f"the reporter is not refused {path}")
            d.get_log("browser")
        return [c for _, c, _ in filled]
    finally:
        d.quit()


def approver(width, height, codes):
    d = driver(width, height)
    try:
        login(d, base, "binh", password)
        follow(d, d.find_element(By.CSS_SELECTOR, 'a[href="/workspace/approvals?lang=vi"]'))
        check(d, width, "approvals-vi")
        rows = {r.get_attribute("data-item"): r for r in d.find_elements(By.CSS_SELECTOR, "#inbox tbody tr")}
        items = [f"{c}|31|{PERIOD}" for c in codes]
        expect(all(i in rows for i in items), f"the inbox lists {sorted(rows)}, not the reporter's {items}")
        if not all(i in rows for i in items):
            return None
        previous = rows[items[0]].find_elements(By.CSS_SELECTOR, "td")[5].text
        expect(previous not in ("", "–"), f"the inbox shows no previous period for {items[0]}: {previous!r}")
        back = items[0]
        # Sending back without a note is refused, and nothing changes.
        d.find_element(By.CSS_SELECTOR, f'input[value="{back}"]').click()
        follow(d, d.find_element(By.ID, "send-back"))
        refusal = d.find_elements(By.CSS_SELECTOR, "#problems li")
        expect(refusal and "ghi chú" in refusal[0].text, f"sending back without a note: {[r.text for r in refusal]}")
        check(d, width, "approvals-refused-vi")
        d.find_element(By.CSS_SELECTOR, f'input[value="{back}"]').click()
        d.find_element(By.ID, "ap-note").send_keys("Số liệu chưa khớp với báo cáo của Sở Xây dựng; đề nghị kiểm tra lại.")
        follow(d, d.find_element(By.ID, "send-back"))
        expect(d.find_elements(By.ID, "done"), "sending back shows no confirmation")
        for item in items[1:]:
            d.find_element(By.CSS_SELECTOR, f'input[value="{item}"]').click()
        follow(d, d.find_element(By.ID, "approve"))
        expect(d.find_elements(By.ID, "done"), "approving shows no confirmation")
        check(d, width, "approvals-done-vi")
        stored = values(d, PERIOD)
        code = back.split("|")[0]
        expect(stored.get(code, {}).get("status") == "draft", f"the value sent back is {stored.get(code, {}).get('status')}")
        expect(all(stored.get(c, {}).get("status") == "approved" for c in codes[1:]), f"after approving: {[(k, v['status']) for k, v in stored.items()]}")
        status, history = api(d, f"/api/v1/values/history?indicator={code}&unit=31&period={PERIOD}")
        last = (history.get("items") or [{}])[-1]
        expect(last.get("action") == "send-back" and "Sở Xây dựng" in (last.get("comment") or ""), f"the history ends with {last}")
        return code
    finally:
        d.quit()


def approver_phone(width, height):
    """On the phone, in English: the approved values, ready to reopen."""
    d = driver(width, height)
    try:
        login(d, base, "binh", password, "en")
        follow(d, d.find_element(By.CSS_SELECTOR, 'a[href="/workspace/approvals?lang=en"]'))
        check(d, width, "approvals-en")
        d.get(f"{base}/workspace/approvals?lang=en&status=approved")
        expect(d.find_elements(By.ID, "reopen") and d.find_elements(By.CSS_SELECTOR, f'tr[data-item$="|31|{PERIOD}"]'),
               "the approved tab shows no value of 2026 to reopen")
        check(d, width, "approvals-approved-en")
    finally:
        d.quit()


def reporter_corrects(width, height, code):
    """On the phone, in English: the note on the value sent back, and the single-value form."""
    d = driver(width, height)
    try:
        login(d, base, "minh", password, "en")
        follow(d, d.find_element(By.CSS_SELECTOR, 'a[href="/workspace/reporting?lang=en"]'))
        row = d.find_element(By.CSS_SELECTOR, f'#due tr[data-indicator="{code}"]')
        expect(row.get_attribute("data-status") == "draft" and "Sở Xây dựng" in row.text, f"the sent-back row says {row.text!r}")
        check(d, width, "reporting-sent-back-en")
        last = values(d, "2025")[code]
        d.find_element(By.CSS_SELECTOR, f'#v-indicator option[value="{code}"]').click()
        if last.get("numerator") is not None:
            d.find_element(By.ID, "v-num").send_keys(str(last["numerator"]))
            d.find_element(By.ID, "v-den").send_keys("zero")
        else:
            d.find_element(By.ID, "v-value").send_keys("zero")
        follow(d, d.find_element(By.ID, "submit-value"))
        errors = d.find_elements(By.CSS_SELECTOR, "#problems li")
        expect(errors and "is not a number" in errors[0].text, f"a text in the form: {[e.text for e in errors]}")
        check(d, width, "reporting-form-refused-en")
        field = "v-den" if last.get("numerator") is not None else "v-value"
        d.find_element(By.ID, field).clear()
        d.find_element(By.ID, field).send_keys(str(last["denominator"] if last.get("numerator") is not None else last["value"]))
        if last.get("numerator") is not None:
            d.find_element(By.ID, "v-num").clear()
            d.find_element(By.ID, "v-num").send_keys(str(last["numerator"]))
        follow(d, d.find_element(By.ID, "submit-value"))
        expect(d.find_elements(By.ID, "stored"), f"the single value shows no confirmation: {d.current_url}")
        check(d, width, "reporting-corrected-en")
        expect(values(d, PERIOD).get(code, {}).get("status") == "submitted", "the corrected value is not submitted again")
    finally:
        d.quit()


def officer_refused(width, height):
    d = driver(width, height)
    try:
        login(d, base, "lan", password)
        refused(d, base, "the officer", ["/workspace/reporting", "/workspace/reporting/template?period=2026&unit=31", "/workspace/approvals"],
                [("/workspace/approvals", "action=approve&item=1.2|31|2026"),
                 ("/workspace/reporting/value?unit=31&period=2026", "indicator=1.2&value=1")])
        d.get(base + "/workspace/reporting")
        expect("403" in d.page_source, "the officer's reporting page is not a 403 page")
        d.get_log("browser")
        check(d, width, "reporting-forbidden-vi")
    finally:
        d.quit()


codes = reporter(1366, 900)
sent_back = approver(1366, 900, codes)
if sent_back:
    reporter_corrects(390, 844, sent_back)
approver_phone(390, 844)
officer_refused(390, 844)
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"reporting journey: reporter (1366 vi, 390 en), approver (1366 vi), officer refused; {len(codes)} values, {sent_back} sent back")
