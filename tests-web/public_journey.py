"""The public portal as a resident, a journalist and a leader use it, in headless Chromium at a phone's and a laptop's
width: the home page's map (every ambient station on it, the stale ones grey), the station with the worst air, its
chart ranges, a year of hourly PM2.5 downloaded with the page's form and checked against the API, the language switch
there and back, a province, the indicators dashboard, the water page (the polluted canal as the API says), the disasters page (Lạng Sơn's floods as the API totals them) and a plan. Every page: a screenshot, no horizontal scroll, no
console error and no axe-core violation (check()). Exit 1 on any problem.
    public_journey.py BASE_URL SHOTS_DIR
"""
import csv
import io
import json
import os
import sys
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(__file__))
os.environ["XANH_SHOTS"] = sys.argv[2]
from account_pages_support import check, driver, expect, follow, problems  # noqa: E402

base = sys.argv[1]


def api(path):
    return json.loads(urllib.request.urlopen(base + path, timeout=60).read())


stations = [s for s in api("/api/v1/stations?limit=1000")["items"] if s.get("kind") == "ambient_air" and s.get("active", True)]
ambient = {s["code"] for s in stations if s.get("latitude") is not None}
latest = {a["station"]: a for a in api("/api/v1/aqi/latest")["items"]}


surface = {s["code"] for s in api("/api/v1/stations?limit=1000")["items"] if s.get("kind") == "surface_water" and s.get("latitude") is not None}


def water(d, width, lang):
    """The water page, from the home page's link: every surface-water point on the map; the polluted canal's latest
    VN_WQI below 50, as the API answers it."""
    d.get(f"{base}/?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'main a[href="/water?lang={lang}"]'))
    check(d, width, f"water-{lang}")
    markers = {m.get_attribute("data-station") for m in d.find_elements(By.CSS_SELECTOR, "svg.map circle.marker")}
    expect(markers == surface, f"{width}px water {lang}: markers {sorted(markers)} are not the surface-water points {sorted(surface)}")
    shown = d.find_elements(By.CSS_SELECTOR, '#point-HP-SW-03 > [data-wqi]')
    series = api("/api/v1/stations/HP-SW-03/wqi")["items"]
    expected = series[-1]["wqi"]["wqi"] if series else None
    expect(shown and expected is not None and int(shown[0].get_attribute("data-wqi")) == expected < 50,
           f"{width}px water {lang}: the canal shows {shown[0].get_attribute('data-wqi') if shown else None}, the API {expected}")
    # The automatic river station: its latest hour's VN_WQI (the demo feed may add an hour meanwhile).
    auto = [i["wqi"]["wqi"] for i in api("/api/v1/stations/LS-KC-AUTO/wqi")["items"] if i["source"] == "hourly"]
    shown = d.find_elements(By.CSS_SELECTOR, '#point-LS-KC-AUTO > [data-wqi]')
    expect(auto and shown and int(shown[0].get_attribute("data-wqi")) in auto[-3:],
           f"{width}px water {lang}: the automatic station shows {shown[0].get_attribute('data-wqi') if shown else None}, the API {auto[-3:]}")


def disasters(d, width, lang):
    """The disasters page, from the home page's link: Lạng Sơn chosen from the page's units; its year rows and events
    as the API's totals and records say (the demo's two floods)."""
    d.get(f"{base}/?lang={lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'main a[href="/disasters?lang={lang}"]'))
    check(d, width, f"disasters-{lang}")
    follow(d, d.find_element(By.CSS_SELECTOR, f'nav.choices a[href="/disasters?unit=20&lang={lang}"]'))
    check(d, width, f"disasters-20-{lang}")
    totals = {r["key"]: r for r in api("/api/v1/disasters/totals?unit=20&by=year")["items"]}
    rows = d.find_elements(By.CSS_SELECTOR, "#disaster-years tbody tr[data-year]")
    shown = {r.get_attribute("data-year"): r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}
    expect(shown and shown == {k: str(v["dead"]) for k, v in totals.items()},
           f"{width}px disasters {lang}: deaths by year {shown} are not the API's {[(k, v['dead']) for k, v in totals.items()]}")
    events = {e.get_attribute("data-event") for e in d.find_elements(By.CSS_SELECTOR, "#disaster-events li[data-event]")}
    approved = {e["id"] for e in api("/api/v1/disasters")["items"]}
    expect(events == approved and len(events) >= 2, f"{width}px disasters {lang}: events {sorted(events)}, the API {sorted(approved)}")


def journey(width, height):
    d = driver(width, height)
    try:
        # Home: the map holds every ambient station; a station without a current value is grey.
        d.get(base + "/")
        check(d, width, "home-vi")
        markers = {m.get_attribute("data-station"): m.get_attribute("data-stale") for m in d.find_elements(By.CSS_SELECTOR, "svg.map circle.marker")}
        expect(set(markers) == ambient, f"{width}px home: map markers {sorted(markers)} are not the ambient stations {sorted(ambient)}")
        stale = {c for c, v in markers.items() if v == "1"}
        expect(len(stale) >= 1, f"{width}px home: the demo's stale station is not grey on the map ({markers})")
        for c in stale:
            expect(c not in latest or d.find_elements(By.CSS_SELECTOR, f'li[data-station="{c}"] [data-stale="1"]'),
                   f"{width}px home: {c} is grey on the map but not in the list")
        expect(len(d.find_elements(By.CSS_SELECTOR, "svg.map path.area")) == 34, f"{width}px home: the map does not draw 34 provinces")
        # The worst air is first in the list; open it.
        items = d.find_elements(By.CSS_SELECTOR, "#station-list li")
        values = [(int(e.find_element(By.CSS_SELECTOR, "[data-aqi]").get_attribute("data-aqi")), e) for e in items if e.find_elements(By.CSS_SELECTOR, "[data-aqi]")]
        expect(values and values[0][0] == max(v for v, _ in values), f"{width}px home: the list does not begin with the worst AQI")
        worst = values[0][1].get_attribute("data-station")
        follow(d, values[0][1].find_element(By.CSS_SELECTOR, "a"))
        expect(f"/stations/{worst}" in d.current_url, f"{width}px: the worst station's link went to {d.current_url}")
        check(d, width, "station-vi")
        # Chart ranges, by their links, each drawn and marked current.
        for label, key in [("24 giờ", "24h"), ("30 ngày", "30d"), ("1 năm", "1y")]:
            follow(d, d.find_element(By.XPATH, f'//nav[@class="choices"]/a[@data-range and normalize-space()="{label}"]'))
            current = d.find_element(By.CSS_SELECTOR, "nav.choices a[data-range][aria-current]").text
            expect(current == label and f"range={key}" in d.current_url, f"{width}px station: range {label} is not current ({current})")
            expect(d.find_elements(By.CSS_SELECTOR, "figure[data-parameter] svg polyline, figure[data-parameter] svg circle"),
                   f"{width}px station {key}: the chart draws nothing")
            check(d, width, f"station-{key}")
        # A year of hourly PM2.5 with the page's own form, against the API.
        form = d.find_element(By.CSS_SELECTOR, "form.download")
        Select(form.find_element(By.NAME, "parameter")).select_by_value("PM2.5")
        Select(form.find_element(By.NAME, "resolution")).select_by_value("hour")
        Select(form.find_element(By.NAME, "format")).select_by_value("csv")
        query = d.execute_script("var f=arguments[0];return new URLSearchParams(new FormData(f)).toString();", form)
        action = form.get_attribute("action")
        params = dict(urllib.parse.parse_qsl(query))
        raw = urllib.request.urlopen(f"{action}?{query}", timeout=120).read()
        expect(raw.startswith(b"\xef\xbb\xbf"), f"{width}px download: the CSV has no UTF-8 byte-order mark")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        expect(rows and rows[0][:4] == ["station", "parameter", "unit", "time"], f"{width}px download: header {rows[:1]}")
        listed = api(f"/api/v1/stations/{worst}/series?" + urllib.parse.urlencode({k: params[k] for k in ["parameter", "resolution", "from", "to"]}))["items"]
        expect(len(rows) - 1 == len(listed) and len(listed) > 24 * 25, f"{width}px download: {len(rows) - 1} rows, the API gives {len(listed)}")
        expect(all(r[0] == worst and r[1] == "PM2.5" and r[2] == "µg/m³" for r in rows[1:]), f"{width}px download: rows name another station, parameter or unit")
        # English and back.
        follow(d, d.find_element(By.LINK_TEXT, "English"))
        expect(d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", f"{width}px: English link did not switch")
        check(d, width, "station-en")
        follow(d, d.find_element(By.LINK_TEXT, "Tiếng Việt"))
        expect(d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi", f"{width}px: Vietnamese link did not switch back")
        # A province through the filter.
        d.get(base + "/")
        Select(d.find_element(By.ID, "province-select")).select_by_visible_text("Hà Nội")
        follow(d, d.find_element(By.CSS_SELECTOR, "form.filter button"))
        expect("/provinces/01" in d.current_url, f"{width}px: the province filter went to {d.current_url}")
        expect(d.find_elements(By.CSS_SELECTOR, "svg.map path.area.focus"), f"{width}px province: Hà Nội is not highlighted")
        check(d, width, "province-vi")
        d.get(base + "/provinces/01?lang=en")
        check(d, width, "province-en")
        # The indicators dashboard, a province on it, the methods page, in both languages.
        for lang in ["vi", "en"]:
            d.get(f"{base}/indicators?lang={lang}")
            expect(d.find_elements(By.CSS_SELECTOR, "svg.map path.area"), f"{width}px indicators {lang}: no choropleth")
            check(d, width, f"indicators-{lang}")
            d.get(f"{base}/indicators?lang={lang}&unit=79")
            check(d, width, f"indicators-79-{lang}")
            d.get(f"{base}/indicators/methods?lang={lang}")
            check(d, width, f"methods-{lang}")
            water(d, width, lang)
            disasters(d, width, lang)
            d.get(f"{base}/?lang={lang}")
            check(d, width, f"home-{lang}")
            # A plan, from the home page's link.
            links = d.find_elements(By.CSS_SELECTOR, 'main a[href^="/plans/"]')
            expect(links, f"{width}px home {lang}: no plan linked")
            if links:
                follow(d, links[0])
                expect(d.find_elements(By.CSS_SELECTOR, "main table, main .task"), f"{width}px plan {lang}: no tasks")
                check(d, width, f"plan-{lang}")
        d.get(base + "/stations/KHONG-CO?lang=en")
        expect("404" in d.title, f"{width}px: a missing station's page is titled {d.title}")
        d.get_log("browser")  # the 404 itself is the point here, not a console error
    finally:
        d.quit()


for w, h in [(390, 844), (1366, 900)]:
    journey(w, h)
for p in problems:
    print("public journey:", p, file=sys.stderr)
print(f"public journey: {len(problems)} problems; screenshots in {sys.argv[2]}")
sys.exit(1 if problems else 0)
