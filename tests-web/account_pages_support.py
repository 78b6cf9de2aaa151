"""Helpers the page tests share: a headless Chromium at a width, and the checks every page must pass."""
import json
import os
import urllib.error
import urllib.parse
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

problems = []
shots = os.environ.get("XANH_SHOTS", "/tmp/xanh-shots")


def driver(width, height):
    o = Options()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"]:
        o.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_window_size(width, height)
    return d


def check(d, width, name):
    """A screenshot, the page's width against the window's, and axe-core."""
    os.makedirs(shots, exist_ok=True)
    d.save_screenshot(f"{shots}/{width}-{name}.png")
    scroll = d.execute_script("return document.documentElement.scrollWidth")
    inner = d.execute_script("return window.innerWidth")
    if scroll > inner:
        problems.append(f"{width}px {name}: the page is {scroll}px wide in a {inner}px window")
    for entry in d.get_log("browser"):
        message = entry.get("message", "")
        # The page's own status (a failed login answers 401, a missing page 404) is what the test is about; an error
        # loading anything else from the page is a problem.
        if message.startswith(d.current_url + " - Failed to load resource"):
            continue
        if entry.get("level") == "SEVERE":
            problems.append(f"{width}px {name}: console error: {entry.get('message', '')[:200]}")
    axe = Axe(d)
    axe.inject()
    for v in axe.run()["violations"]:
        where = "; ".join(n["html"][:120] for n in v["nodes"][:3])
        problems.append(f"{width}px {name}: axe {v['id']} ({v['impact']}) on {len(v['nodes'])} nodes: {v['help']}: {where}")


def expect(ok, what):
    if not ok:
        problems.append(what)


def follow(d, element):
    """Clicks and waits for the next page (reading the URL before it loads races with the navigation): the old
    document carries a mark the new one lacks."""
    d.execute_script("window.__xanhOld = true;")
    element.click()

    def loaded(driver):
        try:
            return driver.execute_script("return window.__xanhOld !== true && document.readyState === 'complete';")
        except Exception:  # the document is being replaced
            return False

    WebDriverWait(d, 30).until(loaded)


def login(d, base, username, password, lang="vi"):
    """Logs in through the form and waits for the account page."""
    d.get(f"{base}/login?lang={lang}")
    d.find_element(By.ID, "username").send_keys(username)
    d.find_element(By.ID, "password").send_keys(password)
    follow(d, d.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def fetch(d, url, data=None, headers=None):
    """A request with the browser's session (what the page did, seen from outside the page): status, headers, body.
    A path is taken on the server of the page the browser is on."""
    cookie = d.get_cookie("xanh_session")
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = f"xanh_session={cookie['value']}"
    if not url.startswith("http"):
        here = urllib.parse.urlsplit(d.current_url)
        url = f"{here.scheme}://{here.netloc}{url}"
    request = urllib.request.Request(url, data=data, headers=h, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, b""


def api(d, path):
    """A GET of the API with the browser's session: status and JSON."""
    status, _, body = fetch(d, path)
    return status, json.loads(body) if status == 200 else {}


def refused(d, base, who, gets, posts):
    """The URLs a person may not use: each GET and each form post (with the person's own session and CSRF token)
    answers 403."""
    for path in gets:
        code, _, _ = fetch(d, path)
        expect(code == 403, f"{who} got {code} on GET {path}")
    d.get(base + "/account")
    token = d.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
    for path, body in posts:
        code, _, _ = fetch(d, path, data=f"{body}&csrf={token}".encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
        expect(code == 403, f"{who} got {code} on POST {path}")
