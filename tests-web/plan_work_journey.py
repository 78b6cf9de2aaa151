"""The plans' work as the agencies do it, in headless Chromium, on the demo server with people made by the CLI:
- the HCMC Department of Construction (SXD-HCM, a reporter) goes from the account page to its tasks, opens the
  progress form of task 4.1 for this half-year, reports progress with an evidence file (a PDF), and submits its
  six-month report — each effect checked through the API with the same session, the file downloaded back;
- the standing agency (STNMT-HCM, an approver) opens the consolidation, sees the report with the task's progress and
  the evidence, accepts it (checked through the API), and downloads the plan's report of the period (DOCX);
- on the phone, in English, both pages again; the reporter gets 403 on the consolidation, the monitoring officer on
  the tasks and the form.
Every page: a screenshot, no horizontal scroll, no console error, no axe-core violation. Exit 1 on any problem.
    plan_work_journey.py BASE_URL PASSWORD SHOTS_DIR
"""
import datetime
import os
import sys
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(__file__))
os.environ["XANH_SHOTS"] = sys.argv[3]
from account_pages_support import api, check, driver, expect, fetch, follow, login, problems, refused  # noqa: E402

base, password = sys.argv[1], sys.argv[2]
now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))
PERIOD = f"{now.year}-H{1 if now.month <= 6 else 2}"
PLAN, TASK, AGENCY = "HCM-PRP-2023", "4.1", "SXD-HCM"
REPORT = f"HCM-PRP-MID~{PERIOD}~{AGENCY}"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def report_state(d):
    status, body = api(d, f"/api/v1/reports?period={PERIOD}")
    expect(status == 200, f"the reports API answered {status}")
    return next((r for r in body.get("items", []) if r["id"] == REPORT), {})


def agency(width, height):
    d = driver(width, height)
    try:
        login(d, base, "hoa", password)
        follow(d, d.find_element(By.CSS_SELECTOR, 'a[href="/workspace/tasks?lang=vi"]'))
        check(d, width, "tasks-vi")
        row = d.find_elements(By.CSS_SELECTOR, f'#tasks tr[data-task="{TASK}"]')
        expect(row, f"the agency's task list has no task {TASK}")
        if not row:
            return
        follow(d, row[0].find_element(By.CSS_SELECTOR, "a"))
        check(d, width, "progress-vi")
        Select(d.find_element(By.ID, "pg-status")).select_by_value("on_track")
        d.find_element(By.ID, "pg-percent").clear()
        d.find_element(By.ID, "pg-percent").send_keys("60")
        d.find_element(By.ID, "pg-results").clear()
        d.find_element(By.ID, "pg-results").send_keys("Đã phê duyệt thiết kế kỹ thuật nhà máy điện rác; khởi công tháng 10.")
        path = os.path.join(tempfile.mkdtemp(), "bien-ban-nghiem-thu.pdf")
        with open(path, "wb") as f:
            f.write(PDF)
        d.find_element(By.ID, "pg-file").send_keys(path)
        follow(d, d.find_element(By.ID, "save-progress"))
        expect(d.find_elements(By.ID, "done"), f"saving progress shows no confirmation: {d.current_url}")
        reported = d.find_elements(By.CSS_SELECTOR, f'#tasks tr[data-task="{TASK}"][data-reported="1"]')
        expect(reported, "the task list does not show the progress just reported")
        check(d, width, "tasks-saved-vi")
        status, body = api(d, f"/api/v1/plans/{PLAN}/progress?period={PERIOD}")
        mine = [e for e in body.get("items", []) if e["task"] == TASK and e["agency"] == AGENCY]
        expect(status == 200 and mine and mine[0]["status"] == "on_track" and mine[0]["updatedBy"] == "hoa",
               f"the API's progress of {TASK}: {status} {mine}")
        links = mine[0].get("evidence", []) if mine else []
        expect(len(links) == 1, f"the entry has {len(links)} evidence links")
        if links:
            code, headers, data = fetch(d, links[0])
            expect(code == 200 and data == PDF and "application/pdf" in headers.get("Content-Type", ""),
                   f"the evidence file comes back as {code} {headers.get('Content-Type')} ({len(data)} bytes)")
        # The six-month report, submitted.
        section = d.find_elements(By.CSS_SELECTOR, f'section[data-report="{REPORT}"]')
        expect(section, f"the agency's reports do not list {REPORT}")
        if section:
            section[0].find_element(By.CSS_SELECTOR, "textarea").send_keys("Nhiệm vụ 4.1 đạt 60 %; chi tiết trong minh chứng.")
            follow(d, section[0].find_element(By.CSS_SELECTOR, "button.submit-report"))
            expect(report_state(d).get("state") == "submitted", f"the report is {report_state(d).get('state')}")
            check(d, width, "tasks-submitted-vi")
        d.get(base + "/workspace/consolidation")
        expect("403" in d.page_source, "the reporting agency is not refused the consolidation")
        d.get_log("browser")
    finally:
        d.quit()


def standing(width, height, lang, decide):
    d = driver(width, height)
    try:
        login(d, base, "phuong", password, lang)
        follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/consolidation?lang={lang}"]'))
        check(d, width, f"consolidation-{lang}")
        section = d.find_elements(By.CSS_SELECTOR, f'section[data-report="{REPORT}"]')
        expect(section, f"{width}px: the consolidation does not list {REPORT}")
        if not section:
            return
        entry = section[0].find_elements(By.CSS_SELECTOR, f'li[data-task="{TASK}"] a')
        expect(entry and "bien-ban-nghiem-thu.pdf" in entry[0].text, f"{width}px: the report shows no evidence of task {TASK}")
        if decide:
            expect(section[0].get_attribute("data-state") == "submitted", f"the report is {section[0].get_attribute('data-state')} before the decision")
            section[0].find_element(By.CSS_SELECTOR, "textarea").send_keys("Đã tiếp nhận; đề nghị gửi biên bản khởi công khi có.")
            follow(d, section[0].find_element(By.CSS_SELECTOR, "button.accept"))
            expect(d.find_elements(By.ID, "done"), "accepting shows no confirmation")
            state = report_state(d)
            expect(state.get("state") == "accepted" and state.get("decidedBy") == "phuong", f"after accepting, the API says {state}")
            check(d, width, f"consolidation-accepted-{lang}")
            docs = d.find_elements(By.CSS_SELECTOR, f'p[data-plan-doc] a.docx')
            expect(docs, "the consolidation links no DOCX")
            if docs:
                code, headers, data = fetch(d, docs[0].get_attribute("href"))
                expect(code == 200 and "wordprocessingml" in headers.get("Content-Type", "") and data[:2] == b"PK",
                       f"the period's report is {code} {headers.get('Content-Type')}")
        else:
            expect(section[0].get_attribute("data-state") == "accepted", f"{width}px: the report is {section[0].get_attribute('data-state')}")
    finally:
        d.quit()


def agency_phone(width, height):
    d = driver(width, height)
    try:
        login(d, base, "hoa", password, "en")
        follow(d, d.find_element(By.CSS_SELECTOR, 'a[href="/workspace/tasks?lang=en"]'))
        expect(d.find_elements(By.CSS_SELECTOR, f'section[data-report="{REPORT}"][data-state="accepted"]'), "the phone does not show the accepted report")
        check(d, width, "tasks-en")
        follow(d, d.find_element(By.CSS_SELECTOR, f'#tasks tr[data-task="{TASK}"] a'))
        check(d, width, "progress-en")
    finally:
        d.quit()


def officer_refused(width, height):
    d = driver(width, height)
    try:
        login(d, base, "lan", password)
        refused(d, base, "the officer",
                ["/workspace/tasks", f"/workspace/tasks/progress?plan={PLAN}&task={TASK}&period={PERIOD}&agency={AGENCY}", "/workspace/consolidation"],
                [("/workspace/consolidation", f"id={REPORT}&action=send-back&note=x"), ("/workspace/tasks/report", f"id={REPORT}&results=x")])
    finally:
        d.quit()


agency(1366, 900)
standing(1366, 900, "vi", decide=True)
standing(390, 844, "en", decide=False)
agency_phone(390, 844)
officer_refused(1366, 900)
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"plan work journey: agency {AGENCY} and standing agency (1366 vi, 390 en), officer refused; report {REPORT} accepted")
