"""XLSX interop: a template downloaded from a running `xanh serve`, filled with openpyxl (as a department's script or
spreadsheet would), uploaded; then a bad one (a wrong unit, a text in a number cell) must be refused with its cells
named and nothing stored. Usage: python3 xlsx_template_test.py BASE_URL API_KEY"""
import io
import json
import os
import sys

import openpyxl

sys.path.insert(0, os.path.dirname(__file__))
from interop_client import check, request  # noqa: E402


status, data = request("GET", "/api/v1/values/template?indicators=HP.MSW-RURAL,1.2&units=31,79&period=2026")
check(status == 200, "template downloaded")
book = openpyxl.load_workbook(io.BytesIO(data))
sheet = book["so_lieu"]
header = [c.value for c in sheet[1]]
check(header[:3] == ["Mã chỉ tiêu (indicator)", "Tên chỉ tiêu (indicator_name)", "Mã đơn vị hành chính (admin_unit)"], f"template header {header}")
# Each header is a Vietnamese label with the column's key in parentheses.
col = {name.rsplit("(", 1)[1].rstrip(")"): i + 1 for i, name in enumerate(header)}
check(len(sheet.data_validations.dataValidation) == sheet.max_row - 1, "every row's number cells carry data validation")


def fill(bad=False):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["so_lieu"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["indicator"]).value == "HP.MSW-RURAL":
            ws.cell(r, col["numerator"]).value = 819
            ws.cell(r, col["denominator"]).value = 900
        else:
            ws.cell(r, col["value"]).value = 1500.5
    if bad:
        ws.cell(2, col["unit_of_measure"]).value = "t/day"
        ws.cell(5, col["value"]).value = "n/a"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
status, body = request("POST", "/api/v1/values/upload?submit=false", fill(bad=True), xlsx)
problem = json.loads(body)
origins = [e["origin"] for e in problem.get("errors", [])]
check(status == 422, f"a bad file is refused ({status})")
check(origins == ["so_lieu!F2", "so_lieu!G5"], f"the problems name the cells: {origins}")
status, body = request("GET", "/api/v1/values?period=2026")
check(json.loads(body)["items"] == [], "nothing of the bad file was stored")
status, body = request("POST", "/api/v1/values/upload", fill(), xlsx)
check(status == 200 and json.loads(body)["stored"] == 4, f"the filled template is stored: {body[:200]!r}")
status, body = request("GET", "/api/v1/values?period=2026&status=submitted")
items = json.loads(body)["items"]
check(len(items) == 4 and any(i["indicator"] == "HP.MSW-RURAL" and abs(i["value"] - 91) < 1e-9 for i in items), "as submitted values, 819/900 = 91 %")
status, data = request("GET", "/api/v1/values?period=2026&format=xlsx")
rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.values)
check(status == 200 and len(rows) == 5 and rows[0][0] == "indicator", "the export opens in openpyxl")
print("xlsx interop: all checks passed")
