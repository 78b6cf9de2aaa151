"""Opens the report documents Xanh writes the way staff would: python-docx reads each .docx, and the checks below hold;
openpyxl reads the workbook behind each chart. Run by scripts/report-docs-test with the server's URL and a key.

    check_reports.py URL KEY OUTDIR
"""
import io
import json
import re
import sys
import urllib.request
import zipfile

import docx
import openpyxl
from docx.shared import Mm

URL, KEY, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def get(path):
    req = urllib.request.Request(URL + path, headers={"Authorization": "Bearer " + KEY})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.read()


def page_setup(d, name):
    s = d.sections[0]
    check(abs(s.page_width - Mm(210)) < Mm(1) and abs(s.page_height - Mm(297)) < Mm(1), f"{name}: A4 portrait")
    check(Mm(20) - Mm(0.5) <= s.top_margin <= Mm(25) + Mm(0.5) and Mm(20) - Mm(0.5) <= s.bottom_margin <= Mm(25) + Mm(0.5), f"{name}: top and bottom margins 20–25 mm")
    check(Mm(30) - Mm(0.5) <= s.left_margin <= Mm(35) + Mm(0.5), f"{name}: left margin 30–35 mm")
    check(Mm(15) - Mm(0.5) <= s.right_margin <= Mm(20) + Mm(0.5), f"{name}: right margin 15–20 mm")
    normal = d.styles["Normal"]
    check(normal.font.name == "Times New Roman", f"{name}: Normal style is Times New Roman ({normal.font.name})")
    check(normal.font.size is not None and 13 <= normal.font.size.pt <= 14, f"{name}: body 13–14 pt")
    check(s.different_first_page_header_footer, f"{name}: no page number on the first page")
    check("PAGE" in s.header._element.xml, f"{name}: page numbers in the header from page 2")
    texts = [p.text for p in d.paragraphs]
    cells = " ".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    check("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Độc lập - Tự do - Hạnh phúc" in cells, f"{name}: the national motto in the header")
    check(re.search(r"Số:\s+/BC-", cells) is not None, f"{name}: 'Số: …/BC-…'")
    check("Nơi nhận:" in cells, f"{name}: recipients")
    return texts


def charts(data, name):
    z = zipfile.ZipFile(io.BytesIO(data))
    parts = [n for n in z.namelist() if re.fullmatch(r"word/charts/chart\d+\.xml", n)]
    check(len(parts) >= 1, f"{name}: {len(parts)} native chart part(s)")
    for p in parts:
        xml = z.read(p).decode()
        points = re.findall(r"<c:numCache>.*?</c:numCache>", xml)
        values = [float(v) for block in points for v in re.findall(r"<c:v>([^<]+)</c:v>", block)]
        check(len(points) >= 1 and len(values) >= 1, f"{name}: {p} caches its values ({len(values)})")
        rels = z.read(p.replace("charts/", "charts/_rels/") + ".rels").decode()
        target = re.search(r'Target="\.\./(embeddings/[^"]+)"', rels)
        check(target is not None, f"{name}: {p} has its workbook")
        if target:
            wb = openpyxl.load_workbook(io.BytesIO(z.read("word/" + target.group(1))), data_only=True)
            sheet_values = [c for row in wb.active.iter_rows(min_row=2, min_col=2, values_only=True) for c in row if isinstance(c, (int, float))]
            check(sorted(sheet_values) == sorted(values), f"{name}: {p}'s workbook holds the same values")


def plan_report(plan, period, kind):
    name = f"{plan} {period}"
    data = get(f"/api/v1/plans/{plan}/report?period={period}&format=docx")
    open(f"{OUT}/{plan}-{period}.docx", "wb").write(data)
    d = docx.Document(io.BytesIO(data))
    texts = page_setup(d, name)
    for heading in ["I. KẾT QUẢ THỰC HIỆN", "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN", "III. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", "IV. KIẾN NGHỊ, ĐỀ XUẤT"]:
        found = [p for p in d.paragraphs if p.text == heading]
        check(len(found) == 1 and found[0].style.name == "Heading 1", f"{name}: section '{heading}' as Heading 1")
    check(any(t.startswith(kind) for t in texts), f"{name}: the title says '{kind}'")
    tasks = json.loads(get(f"/api/v1/plans/{plan}/tasks"))["items"]
    table = next((t for t in d.tables if t.rows and t.rows[0].cells[0].text == "STT"), None)
    check(table is not None, f"{name}: the task table")
    if table is not None:
        rows = [[c.text for c in r.cells] for r in table.rows[1:]]
        check([r[0] for r in rows] == [t["code"] for t in tasks], f"{name}: the task table has the API's {len(tasks)} tasks in order")
        check([r[1] for r in rows] == [t["title"] for t in tasks], f"{name}: the task titles match the API")
        labels = {"completed_on_time": "Hoàn thành đúng hạn", "completed_late": "Hoàn thành quá hạn", "not_completed_within_deadline": "Chưa hoàn thành, trong hạn",
                  "not_completed_overdue": "Chưa hoàn thành, quá hạn", "continuous": "Thường xuyên"}
        check([r[6] for r in rows] == [labels[t["outcome"]] for t in tasks], f"{name}: the outcomes match the API")
    indicators = next((t for t in d.tables if t.rows and t.rows[0].cells[0].text == "Chỉ tiêu"), None)
    check(indicators is not None, f"{name}: the indicator table")
    charts(data, name)


def environment(year):
    name = f"Mẫu 03 {year}"
    data = get(f"/api/v1/reports/environment?year={year}&format=docx")
    open(f"{OUT}/mau03-{year}.docx", "wb").write(data)
    d = docx.Document(io.BytesIO(data))
    page_setup(d, name)
    check(any(p.text.startswith("I.1.") and p.style.name == "Heading 1" for p in d.paragraphs), f"{name}: section I.1")
    figures = json.loads(get(f"/api/v1/reports/environment?year={year}&format=json"))
    table = next((t for t in d.tables if t.rows and t.rows[0].cells[0].text == "Trạm / đô thị"), None)
    check(table is not None and len(table.rows) - 1 == len(figures["stations"]) + len(figures["cities"]), f"{name}: one exceedance row per station and city")
    charts(data, name)


year = int(sys.argv[4]) if len(sys.argv) > 4 else None
plan_report("HCM-PRP-2023", f"{year}-H1", "Sơ kết")
plan_report("HCM-PRP-2023", f"{year}", "Tổng kết")
plan_report("HP-78-2023", f"{year}-H1", "Sơ kết")
environment(year)
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("report documents: every check holds")
