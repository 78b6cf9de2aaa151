"""The login and account pages as a person uses them, in headless Chromium at a phone's and a laptop's width.

Fails (exit 1) on a page wider than the window, on any axe-core violation, or when the flow does not go as a person
expects: log in with a one-time password, be asked to change it, change it, see the account, log out.
    account_pages.py BASE_URL ONE_TIME_PASSWORD SHOTS_DIR
"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(__file__))
os.environ["XANH_SHOTS"] = sys.argv[3]
from account_pages_support import check, driver, follow, problems  # noqa: E402

base, one_time, shots = sys.argv[1], sys.argv[2], sys.argv[3]


def submit(d, selector):
    """Clicks a form's button and waits for the page it leads to (by the mark the old document carries: staleness
    checks race with the navigation in chromedriver)."""
    follow(d, d.find_element(By.CSS_SELECTOR, selector))


def login(d, username, password):
    field = d.find_element(By.ID, "username")
    field.clear()
    field.send_keys(username)
    d.find_element(By.ID, "password").send_keys(password)
    submit(d, "form button[type=submit]")


new_password = "rau-muong-xao-toi-2026"
for width, height in [(390, 844), (1366, 900)]:
    d = driver(width, height)
    try:
        for lang in ["vi", "en"]:
            d.get(f"{base}/login?lang={lang}")
            check(d, width, f"login-{lang}")
        d.get(f"{base}/login?lang=vi")
        login(d, "lan", "sai-mat-khau")
        if "không đúng" not in d.page_source:
            problems.append(f"{width}px: a wrong password does not say so in Vietnamese")
        check(d, width, "login-failed")
        password = one_time if width == 390 else new_password
        login(d, "lan", password)
        try:
            WebDriverWait(d, 10).until(lambda d: "/account" in d.current_url)
        except Exception:
            problems.append(f"{width}px: after login the browser is at {d.current_url}, not /account")
        if width == 390 and "mật khẩu dùng một lần" not in d.page_source:
            problems.append("a one-time password does not ask to be changed")
        check(d, width, "account")
        if width == 390:
            d.find_element(By.ID, "current").send_keys(one_time)
            d.find_element(By.ID, "new").send_keys(new_password)
            submit(d, "form[action^='/account/password'] button")
            if "Đã đổi mật khẩu" not in d.page_source:
                problems.append("the password change does not say it was done")
            check(d, width, "account-changed")
        d.get(f"{base}/account?lang=en")
        if "Nguyễn Thị Lan" not in d.page_source or "Monitoring centre officer" not in d.page_source:
            problems.append(f"{width}px: the account page does not show who is logged in")
        check(d, width, "account-en")
        submit(d, "form[action='/logout'] button")
        d.get(f"{base}/api/v1/file-names")
        if '"status":401' not in d.page_source.replace(" ", ""):
            problems.append(f"{width}px: after logging out the session still works")
    finally:
        d.quit()

if problems:
    print("page-test found problems:", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"page-test: login and account pages at 390 and 1366 px, no overflow, no axe violation; screenshots in {shots}")
