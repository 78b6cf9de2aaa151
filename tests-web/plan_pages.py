"""The public plan pages as people use them, in headless Chromium at a phone's and a laptop's width, in Vietnamese and
English: the list of plans, then one plan with its tasks' outcomes and targets. Fails (exit 1) on a page wider than
the window, on any axe-core violation, or when what the API says (the tasks and their outcomes) is not what the page
shows.
    plan_pages.py BASE_URL PLAN_ID SHOTS_DIR
"""
import json
import os
import sys
import urllib.request

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(__file__))
os.environ["XANH_SHOTS"] = sys.argv[3]
from account_pages_support import check, driver, problems  # noqa: E402

base, plan, shots = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(shots, exist_ok=True)
tasks = json.loads(urllib.request.urlopen(f"{base}/api/v1/plans/{plan}/tasks", timeout=30).read())["items"]
labels = {
    "vi": {"not_completed_overdue": "Chưa hoàn thành, quá hạn", "completed_on_time": "Hoàn thành đúng hạn", "completed_late": "Hoàn thành quá hạn",
           "not_completed_within_deadline": "Chưa hoàn thành, trong hạn", "continuous": "Thường xuyên"},
    "en": {"not_completed_overdue": "Not completed, overdue", "completed_on_time": "Completed on time", "completed_late": "Completed late",
           "not_completed_within_deadline": "Not completed, within deadline", "continuous": "Continuous"},
}
for width, height in [(390, 844), (1366, 900)]:
    d = driver(width, height)
    try:
        for lang in ["vi", "en"]:
            d.get(f"{base}/plans?lang={lang}")
            check(d, width, f"plans-{lang}")
            links = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, "main table a")]
            if not any(f"/plans/{plan}" in (h or "") for h in links):
                problems.append(f"{width}px plans-{lang}: no link to {plan}")
            d.get(f"{base}/plans/{plan}?lang={lang}")
            check(d, width, f"plan-{lang}")
            shown = {}
            for row in d.find_elements(By.CSS_SELECTOR, "main.plan table tbody tr"):
                cells = row.find_elements(By.TAG_NAME, "td")
                if len(cells) == 5:
                    shown[cells[0].text.split(" ")[0]] = cells[4].text.strip()
            for t in tasks:
                want = labels[lang][t["outcome"]]
                if shown.get(t["code"]) != want:
                    problems.append(f"{width}px plan-{lang}: task {t['code']} shows '{shown.get(t['code'])}', the API says '{want}'")
            if d.find_element(By.TAG_NAME, "html").get_attribute("lang") != lang:
                problems.append(f"{width}px plan-{lang}: <html lang> is not {lang}")
    finally:
        d.quit()
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print(f"plan pages: {plan} in vi and en at 390 and 1366 px, no overflow, no axe violation, outcomes as the API says")
