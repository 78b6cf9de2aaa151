"""The staff workspace as its people use it, in headless Chromium at a laptop's and a phone's width, on a demo server
with two people made by the CLI: the monitoring officer logs in, goes from the account page to the dashboard, sees the
demo's silent station and an exceedance of the last 24 hours, opens the alert inbox, opens the silent station's alert,
acknowledges it, comments on it and closes it with a note, then marks the demo's flat-line TSS run valid with a reason
in the QC queue (each effect checked through the API with the same session);
on the phone, in English, the closed alert still takes a comment. A reporter gets 403 on the same pages and on the
same form. The officer also adds a facility, links the new station to it and maps a Circular 10 file name to it. The
administrator creates a key with a station group (shown once, used), adds a station to the group, revokes it (refused
next), and finds each in the audit page and its CSV; adds and disables a person; and changes a runtime setting (a new
login's session lasts as set), then puts it back. The leader opens the province at a glance and downloads Hải Phòng's mid-year report (DOCX). Every page: a screenshot, no horizontal scroll, no console error and no axe-core violation. Exit 1 on any
problem.
    workspace_journey.py BASE_URL PASSWORD SHOTS_DIR
"""
import io
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(__file__))
os.environ["XANH_SHOTS"] = sys.argv[3]
from account_pages_support import api, check, driver, expect, fetch, follow, login, problems  # noqa: E402

base, password = sys.argv[1], sys.argv[2]


def officer(width, height, lang):
    d = driver(width, height)
    try:
        login(d, base, "lan", password, lang)
        expect("/account" in d.current_url, f"{width}px: after login the officer is at {d.current_url}")
        follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace?lang={lang}"]'))
        check(d, width, f"workspace-{lang}")
        expect(d.find_elements(By.CSS_SELECTOR, 'tr[data-silent="LS-DD"]'), f"{width}px: the dashboard does not show the silent LS-DD")
        expect(d.find_elements(By.CSS_SELECTOR, "tr[data-exceedance]"), f"{width}px: the dashboard shows no exceedance of the last 24 h")
        follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/alerts?lang={lang}"]'))
        check(d, width, f"alert-inbox-{lang}")
        # The silent station's alert: the inbox names the station, not its code.
        rows = [r for r in d.find_elements(By.CSS_SELECTOR, "tr[data-alert]") if "Đồng Đăng" in r.text or "Dong Dang" in r.text]
        expect(rows, f"{width}px: the inbox has no alert naming the silent station")
        if not rows:
            return
        alert = rows[0].get_attribute("data-alert")
        follow(d, rows[0].find_element(By.CSS_SELECTOR, "a"))
        check(d, width, f"alert-{lang}")
        if width >= 1000:
            # Acknowledge, comment, close with a note; each seen on the page and through the API.
            follow(d, d.find_element(By.ID, "acknowledge"))
            status, a = api(d, f"/api/v1/alerts/{alert}")
            expect(status == 200 and a.get("acknowledgedBy") == "lan", f"acknowledge: the API says {status} {a.get('acknowledgedBy')}")
            d.find_element(By.ID, "comment").send_keys("Đã gọi cho trạm Lạng Sơn: mất điện lưới.")
            follow(d, d.find_element(By.ID, "add-comment"))
            # Closing without a note is refused in the page's language, and nothing changes.
            d.execute_script("document.getElementById('close-note').removeAttribute('required');")
            follow(d, d.find_element(By.ID, "close"))
            refusal = d.find_elements(By.CSS_SELECTOR, "p.error[role=alert]")
            expect(refusal and "lý do" in refusal[0].text, f"closing without a note: {refusal[0].text if refusal else 'no message'}")
            check(d, width, f"alert-refused-{lang}")
            d.find_element(By.ID, "close-note").send_keys("Điện lưới đã có lại; trạm truyền dữ liệu bình thường.")
            follow(d, d.find_element(By.ID, "close"))
            state = d.find_element(By.ID, "alert-state").get_attribute("data-state")
            expect(state == "closed", f"after closing, the page says {state}")
            check(d, width, f"alert-closed-{lang}")
            status, a = api(d, f"/api/v1/alerts/{alert}")
            history = [(h["action"], h.get("comment", "")) for h in a.get("history", [])]
            expect(a.get("open") is False and a.get("closedBy") == "lan", f"close: the API says open={a.get('open')} by {a.get('closedBy')}")
            expect([h[0] for h in history] == ["acknowledge", "comment", "close"], f"the API's history is {history}")
            expect(history and "trạm truyền dữ liệu" in history[-1][1], f"the closing note is not in the history: {history}")
            review_flat_line(d, width, lang)
            alert_rules(d, width, lang)
            station_registry(d, width, lang)
        else:
            # The closed alert (closed at the laptop's width) takes a comment still; its history is on the page.
            state = d.find_element(By.ID, "alert-state").get_attribute("data-state")
            expect(state == "closed", f"{width}px: the alert closed at 1366 px is {state}")
            d.find_element(By.ID, "comment").send_keys("Checked on site the next morning.")
            follow(d, d.find_element(By.ID, "add-comment"))
            check(d, width, f"alert-commented-{lang}")
            status, a = api(d, f"/api/v1/alerts/{alert}")
            expect(a.get("history", [{}])[-1].get("comment") == "Checked on site the next morning.", f"{width}px: the comment is not in the API")
            expect(len(d.find_elements(By.CSS_SELECTOR, "#history tbody tr")) >= 5, f"{width}px: the history table is short")
        return alert
    finally:
        d.quit()


def review_flat_line(d, width, lang):
    """The QC queue from the dashboard: the demo's stuck TSS analyser is one flat-line run; it is marked valid with a
    reason, leaves the queue, and the API lists the override."""
    d.get(f"{base}/workspace?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/quality?lang={lang}"]'))
    check(d, width, f"quality-queue-{lang}")
    runs = d.find_elements(By.CSS_SELECTOR, 'tr[data-run="HP-DV-WW|TSS|flat_line"]')
    expect(len(runs) == 1, f"{width}px: the queue holds {len(runs)} flat-line runs of the demo's TSS analyser, not 1")
    if not runs:
        return
    follow(d, runs[0].find_element(By.CSS_SELECTOR, "a"))
    expect(d.find_elements(By.CSS_SELECTOR, "figure.chartbox svg"), f"{width}px: the run's page draws no chart")
    check(d, width, f"quality-review-{lang}")
    d.find_element(By.ID, "decision-valid").click()
    d.find_element(By.ID, "reason").send_keys("Nước thải ổn định trong ca đêm; đã đối chiếu mẫu thủ công.")
    follow(d, d.find_element(By.ID, "decide"))
    expect("/workspace/quality" in d.current_url and d.find_elements(By.CSS_SELECTOR, "p.note[role=status]"), f"after deciding: {d.current_url}")
    expect(not d.find_elements(By.CSS_SELECTOR, 'tr[data-run="HP-DV-WW|TSS|flat_line"]'), "the decided run is still in the queue")
    check(d, width, f"quality-decided-{lang}")
    status, overrides = api(d, "/api/v1/stations/HP-DV-WW/overrides?parameter=TSS")
    items = overrides.get("items", [])
    expect(status == 200 and any(o.get("flag") == "ok" and o.get("by") == "lan" and "mẫu thủ công" in o.get("reason", "") for o in items),
           f"the API does not list the officer's override: {status} {items}")


def alert_rules(d, width, lang):
    """Adds a rule (hourly VN_AQI ≥ 201 at Hà Nội's stations) and an e-mail recipient for it; both through the API."""
    d.get(f"{base}/account?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/rules?lang={lang}"]'))
    check(d, width, f"rules-{lang}")
    d.find_element(By.ID, "r-name").send_keys("VN_AQI rất xấu ở Hà Nội")
    d.find_element(By.CSS_SELECTOR, '#r-kind option[value="aqi"]').click()
    d.find_element(By.ID, "r-provinces").send_keys("01")
    d.find_element(By.ID, "r-aqi").send_keys("201")
    follow(d, d.find_element(By.ID, "add-rule"))
    expect(d.find_elements(By.CSS_SELECTOR, 'tr[data-rule="VN_AQI rất xấu ở Hà Nội"]'), f"{width}px: the new rule is not listed")
    d.find_element(By.CSS_SELECTOR, '#s-rule option:last-child').click()
    d.find_element(By.ID, "s-target").send_keys("trucban@stnmt.hanoi.gov.vn")
    follow(d, d.find_element(By.ID, "add-subscription"))
    check(d, width, f"rules-added-{lang}")
    status, rules = api(d, "/api/v1/alert-rules")
    rule = [r for r in rules.get("items", []) if r.get("name") == "VN_AQI rất xấu ở Hà Nội"]
    expect(status == 200 and rule and rule[0].get("aqiAtLeast") == 201 and rule[0].get("scope", {}).get("provinces") == ["01"],
           f"the API does not hold the new rule: {rule}")
    status, subs = api(d, "/api/v1/subscriptions")
    expect(any(s.get("target") == "trucban@stnmt.hanoi.gov.vn" and rule and s.get("rule") == rule[0].get("id") for s in subs.get("items", [])),
           f"the API does not hold the new recipient: {subs}")


def station_registry(d, width, lang):
    """Adds a wastewater station (not yet in operation) with its QCVN 40 column B limits and Kq·Kf; then through the API."""
    d.get(f"{base}/account?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/stations?lang={lang}"]'))
    check(d, width, f"stations-{lang}")
    follow(d, d.find_element(By.ID, "add-station"))
    d.find_element(By.ID, "st-code").send_keys("HP-NS-WW")
    d.find_element(By.ID, "st-name").send_keys("Nước thải KCN Nam Đình Vũ")
    d.find_element(By.CSS_SELECTOR, '#st-kind option[value="wastewater"]').click()
    d.find_element(By.CSS_SELECTOR, '#st-province option[value="31"]').click()
    d.find_element(By.ID, "st-parameters").send_keys("COD:5, TSS:5, pH:5")
    d.find_element(By.ID, "st-active").click()  # not yet in operation
    d.find_element(By.CSS_SELECTOR, '#st-family option[value="QCVN40"]').click()
    d.find_element(By.ID, "st-column").send_keys("B")
    d.find_element(By.ID, "st-k1").clear()
    d.find_element(By.ID, "st-k1").send_keys("0,9")
    check(d, width, f"station-form-{lang}")
    follow(d, d.find_element(By.ID, "save-station"))
    expect(d.find_elements(By.CSS_SELECTOR, 'tr[data-station="HP-NS-WW"][data-active="0"]'), f"{width}px: the new station is not listed")
    status, s = api(d, "/api/v1/stations/HP-NS-WW")
    limits = s.get("limits") or {}
    expect(status == 200 and limits.get("family") == "QCVN40" and limits.get("column") == "B" and limits.get("k1") == 0.9
           and [p.get("parameter") for p in s.get("parameters", [])] == ["COD", "TSS", "pH"], f"the API's station: {status} {s}")
    facility_and_file_name(d, width, lang)


def facility_and_file_name(d, width, lang):
    """Adds a facility (then links it to the new station), and maps a Circular 10 file name to the station; through the API."""
    d.get(f"{base}/account?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/facilities?lang={lang}"]'))
    check(d, width, f"facilities-{lang}")
    d.find_element(By.ID, "f-name").send_keys("Công ty CP Hóa chất Nam Đình Vũ")
    d.find_element(By.ID, "f-tax").send_keys("0201234567")
    d.find_element(By.ID, "f-sector").send_keys("Hóa chất")
    d.find_element(By.CSS_SELECTOR, '#f-province option[value="31"]').click()
    follow(d, d.find_element(By.ID, "save-facility"))
    expect(d.find_elements(By.ID, "done"), f"{width}px: the facility is not saved")
    status, facilities = api(d, "/api/v1/facilities")
    made = [f for f in facilities.get("items", []) if f.get("taxCode") == "0201234567"]
    expect(status == 200 and made and made[0].get("province") == "31", f"the API does not hold the new facility: {facilities}")
    if made:
        d.get(f"{base}/workspace/stations/edit?lang={lang}&code=HP-NS-WW")
        d.find_element(By.CSS_SELECTOR, f'#st-facility option[value="{made[0]["id"]}"]').click()
        follow(d, d.find_element(By.ID, "save-station"))
        status, s = api(d, "/api/v1/stations/HP-NS-WW")
        expect(s.get("facility") == made[0]["id"], f"the station is not the facility's: {s}")
    d.get(f"{base}/workspace/file-names?lang={lang}")
    check(d, width, f"file-names-{lang}")
    d.find_element(By.ID, "fn-name").send_keys("HaiPhong_NamDinhVu_NuocThai01")
    d.find_element(By.CSS_SELECTOR, '#fn-station option[value="HP-NS-WW"]').click()
    follow(d, d.find_element(By.ID, "map-file-name"))
    expect(d.find_elements(By.CSS_SELECTOR, 'tr[data-name="HaiPhong_NamDinhVu_NuocThai01"][data-station="HP-NS-WW"]'),
           f"{width}px: the file name is not listed")
    status, names = api(d, "/api/v1/file-names")
    expect({"name": "HaiPhong_NamDinhVu_NuocThai01", "station": "HP-NS-WW"} in names.get("items", []), f"the API's file names: {names}")


def reporter(width, height, alert):
    d = driver(width, height)
    try:
        login(d, base, "minh", password)
        for path in ["/workspace/alerts", f"/workspace/alerts/{alert}", "/workspace/quality", "/workspace/facilities", "/workspace/file-names",
                     "/workspace/settings", "/workspace"]:
            d.get(base + path)
            expect("403" in d.page_source and "không có quyền" in d.page_source, f"the reporter is not refused {path} with a page")
            if path != "/workspace":
                d.get_log("browser")  # the refusal's own 403, which check() allows for the page it looks at
        check(d, width, "forbidden-vi")
        status, _ = api(d, f"/api/v1/alerts/{alert}")
        expect(status == 200, f"the reporter (internal read) gets {status} on the alert's JSON")
        # The form itself, posted with the reporter's own session and token: 403.
        d.get(base + "/account")
        token = d.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
        code, _, _ = fetch(d, f"/workspace/alerts/{alert}", data=f"action=comment&comment=x&csrf={token}".encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        expect(code == 403, f"the reporter's comment form got {code}")
    finally:
        d.quit()


def administrator(width, height, lang):
    """Creates a key (shown once), uses it, revokes it, and finds both in the audit log and its CSV."""
    d = driver(width, height)
    try:
        login(d, base, "an", password, lang)
        follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/keys?lang={lang}"]'))
        check(d, width, f"keys-{lang}")
        name = f"Trạm Đình Vũ logger {width}"
        d.find_element(By.ID, "key-name").send_keys(name)
        d.find_element(By.CSS_SELECTOR, '#key-role option[value="facility_operator"]').click()
        d.find_element(By.ID, "key-stations").send_keys("HP-DV-WW")
        follow(d, d.find_element(By.ID, "create-key"))
        shown = d.find_elements(By.ID, "new-key")
        expect(shown and shown[0].text.startswith("xanh_"), f"{width}px: the new key is not shown")
        check(d, width, f"key-created-{lang}")
        key = shown[0].text if shown else ""

        def with_key():
            request = urllib.request.Request(base + "/api/v1/alerts", headers={"Authorization": f"Bearer {key}"})
            try:
                return urllib.request.urlopen(request, timeout=30).status
            except urllib.error.HTTPError as e:
                return e.code

        expect(with_key() == 200, f"{width}px: the new key is refused")
        d.get(f"{base}/workspace/keys?lang={lang}")
        expect(key not in d.page_source, f"{width}px: the key is shown again")
        # The key's station group (its FTP account's too): one more station.
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-key="{name}"][data-revoked="0"]')
        group = row.find_element(By.CSS_SELECTOR, 'input[name="stations"]')
        expect(group.get_attribute("value") == "HP-DV-WW", f"{width}px: the key's group is {group.get_attribute('value')}")
        group.send_keys(", HP-HB")
        follow(d, row.find_element(By.CSS_SELECTOR, "button.save-group"))
        status, body = api(d, "/api/v1/audit?entity=key&actor=an")
        expect(any(e.get("entityKey") == name and e.get("action") == "POST /workspace/keys/scope" and "HP-HB" in (e.get("after") or "")
                   for e in body.get("items", [])), f"{width}px: the audit API lacks the key's new station group")
        row = d.find_element(By.CSS_SELECTOR, f'tr[data-key="{name}"][data-revoked="0"]')
        follow(d, row.find_element(By.CSS_SELECTOR, "button.revoke"))
        expect(d.find_elements(By.CSS_SELECTOR, f'tr[data-key="{name}"][data-revoked="1"]'), f"{width}px: the key is not shown revoked")
        expect(with_key() == 401, f"{width}px: the revoked key still works")
        follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/audit?lang={lang}&entity=key"]'))
        check(d, width, f"audit-{lang}")
        actions = {r.get_attribute("data-audit") for r in d.find_elements(By.CSS_SELECTOR, "tr[data-audit]")}
        for action in ["POST /workspace/keys", "POST /workspace/keys/revoke"]:
            expect(f"key|{name}|{action}" in actions, f"{width}px: the audit log lacks {action} of {name}: {sorted(actions)[:6]}")
        csv_link = d.find_element(By.ID, "audit-csv").get_attribute("href")
        body = fetch(d, csv_link)[2].decode("utf-8-sig")
        expect(body.count(name) >= 2, f"{width}px: the audit CSV does not hold both entries for {name}")
        people(d, width, lang)
        settings(d, width, lang)
    finally:
        d.quit()


def people(d, width, lang):
    """Adds a person (one-time password shown once), sees them listed, disables them (their login is refused)."""
    d.get(f"{base}/account?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/users?lang={lang}"]'))
    check(d, width, f"users-{lang}")
    username = f"thu{width}"
    d.find_element(By.ID, "u-username").send_keys(username)
    d.find_element(By.ID, "u-name").send_keys("Ngô Thị Thu")
    d.find_element(By.CSS_SELECTOR, '#u-role option[value="reporter"]').click()
    d.find_element(By.ID, "u-unit").send_keys("31")
    follow(d, d.find_element(By.ID, "add-user"))
    shown = d.find_elements(By.ID, "one-time")
    expect(shown and len(shown[0].text) == 16, f"{width}px: the one-time password is not shown")
    check(d, width, f"user-added-{lang}")
    row = d.find_elements(By.CSS_SELECTOR, f'tr[data-user="{username}"][data-disabled="0"]')
    expect(row and "31" in row[0].text, f"{width}px: the new person is not listed with unit 31")
    if row:
        follow(d, row[0].find_element(By.CSS_SELECTOR, "button.disable"))
        expect(d.find_elements(By.CSS_SELECTOR, f'tr[data-user="{username}"][data-disabled="1"]'), f"{width}px: the person is not shown disabled")
    status, body = api(d, f"/api/v1/audit?entity=user&actor=an")
    actions = [(e.get("entityKey"), e.get("action")) for e in body.get("items", [])]
    for action in ["POST /workspace/users", "POST /workspace/users/state"]:
        expect((username, action) in actions, f"{width}px: the audit API lacks {action} of {username}: {actions[:4]}")


def settings(d, width, lang):
    """Changes a runtime setting (the session's lifetime): in use at once (a new login's cookie lasts that long), then back."""
    d.get(f"{base}/account?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/settings?lang={lang}"]'))
    check(d, width, f"settings-{lang}")
    field = d.find_element(By.ID, "setting-session-seconds")
    field.clear()
    field.send_keys("7200")
    follow(d, d.find_element(By.CSS_SELECTOR, 'tr[data-flag="session-seconds"] button.save'))
    row = d.find_element(By.CSS_SELECTOR, 'tr[data-flag="session-seconds"]')
    expect(row.find_element(By.ID, "setting-session-seconds").get_attribute("value") == "7200", f"{width}px: the setting is not saved")
    check(d, width, f"settings-saved-{lang}")
    # A new login now gets a cookie of two hours.
    request = urllib.request.Request(base + "/login", method="GET")
    with urllib.request.urlopen(request, timeout=30) as r:
        page = r.read().decode()
        cookie = r.headers.get("Set-Cookie", "").split(";")[0]
    mark = 'name="login_token" value="'
    token = page.split(mark)[1].split('"')[0] if mark in page else ""
    form = urllib.parse.urlencode({"username": "an", "password": password, "login_token": token}).encode()
    opener = urllib.request.build_opener(NoRedirect())
    try:
        answer = opener.open(urllib.request.Request(base + "/login", data=form, headers={"Cookie": cookie}), timeout=30)
        set_cookie = " | ".join(answer.headers.get_all("Set-Cookie") or [])
    except urllib.error.HTTPError as e:
        set_cookie = " | ".join(e.headers.get_all("Set-Cookie") or [])
    expect("Max-Age=7200" in set_cookie, f"{width}px: a login after the change sets {set_cookie[:80]}")
    follow(d, d.find_element(By.CSS_SELECTOR, 'tr[data-flag="session-seconds"] button.reset'))
    status, body = api(d, "/api/v1/audit?entity=setting&actor=an")
    expect(status == 200 and sum(1 for e in body.get("items", []) if e.get("entityKey") == "session-seconds") >= 2,
           f"{width}px: the audit API lacks the setting's changes: {body}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def leader(width, height, lang):
    """The province at a glance, and the mid-year report downloaded as the DOCX a province files."""
    d = driver(width, height)
    try:
        login(d, base, "tuan", password, lang)
        follow(d, d.find_element(By.CSS_SELECTOR, f'a[href="/workspace/leader?lang={lang}"]'))
        check(d, width, f"leader-{lang}")
        expect(len(d.find_elements(By.CSS_SELECTOR, "#air ~ div tbody tr")) >= 10, f"{width}px: the leader's air table is short")
        plans = d.find_elements(By.CSS_SELECTOR, "section[data-plan]")
        expect(len(plans) >= 4, f"{width}px: the leader sees {len(plans)} plans, not the demo's 4")
        link = d.find_element(By.CSS_SELECTOR, 'section[data-plan="HP-78-2023"] a.docx')
        _, headers, body = fetch(d, link.get_attribute("href"))
        kind = headers.get("Content-Type", "")
        expect("wordprocessingml" in kind, f"{width}px: the mid-year report is {kind}")
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as z:
                document = z.read("word/document.xml").decode("utf-8")
            expect("78/KH-UBND" in document, f"{width}px: the mid-year DOCX does not name the plan")
        except (zipfile.BadZipFile, KeyError) as e:
            problems.append(f"{width}px: the mid-year report is not a DOCX: {e}")
    finally:
        d.quit()


alert = officer(1366, 900, "vi")
officer(390, 844, "en")
reporter(390, 844, alert)
administrator(1366, 900, "vi")
administrator(390, 844, "en")
leader(1366, 900, "vi")
leader(390, 844, "en")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"workspace journey: officer (1366 vi, 390 en), reporter, administrator and leader (1366 vi, 390 en); alert {alert}")
