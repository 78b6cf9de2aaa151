"""XLSX interop for water samples: a sampling point registered through the API; the samples template downloaded,
read and filled with openpyxl (a time typed as a date, a value below detection written '< 0.002'), uploaded; the
stored sample read back with its VN_WQI; then a wrong unit refused with its cell named and nothing stored.
Usage: python3 xlsx_samples_test.py BASE_URL API_KEY"""
import datetime
import io
import json
import os
import sys

import openpyxl

sys.path.insert(0, os.path.dirname(__file__))
from interop_client import check, request  # noqa: E402


status, _ = request("POST", "/api/v1/stations", json.dumps({
    "code": "LS-SW-IO", "name": "Sông Kỳ Cùng (interop)", "kind": "surface_water", "province": "20",
    "latitude": 21.85, "longitude": 106.76, "parameters": []}).encode(), "application/json")
check(status in (200, 201, 409), f"sampling point registered ({status})")
status, data = request("GET", "/api/v1/samples/template")
check(status == 200, "samples template downloaded")
book = openpyxl.load_workbook(io.BytesIO(data))
ws = book["mau_nuoc"]
header = [c.value for c in ws[1]]
col = {name.rsplit("(", 1)[1].rstrip(")"): i + 1 for i, name in enumerate(header)}
check(header[0] == "Mã trạm, điểm lấy mẫu (station)" and "parameter" in col and "value" in col, f"template header {header}")
units = {r[0]: r[3] for r in book["thong_so"].iter_rows(min_row=2, values_only=True)}
check(units.get("N-NH4") == "mg/L" and units.get("Coliform") == "MPN/100mL", "the parameters sheet names each unit")
values = [("pH", 7.6), ("T", 27), ("DO", 6.4), ("BOD5", 4.5), ("COD", 9.8), ("N-NH4", 0.21), ("P-PO4", 0.08), ("Coliform", 2300), ("Pb", "< 0.002")]


def filled(bad=False):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb["mau_nuoc"]
    for i, (p, v) in enumerate(values, start=2):
        sheet.cell(i, col["station"]).value = "LS-SW-IO"
        sheet.cell(i, col["time"]).value = datetime.datetime(2026, 5, 15, 9, 0)
        sheet.cell(i, col["campaign"]).value = "Q2/2026"
        sheet.cell(i, col["laboratory"]).value = "Trung tâm Quan trắc Lạng Sơn"
        sheet.cell(i, col["parameter"]).value = p
        sheet.cell(i, col["value"]).value = v
        sheet.cell(i, col["unit"]).value = units.get(p, "")
    if bad:
        sheet.cell(5, col["unit"]).value = "µg/m³"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
status, body = request("POST", "/api/v1/samples", filled(bad=True), xlsx)
problem = json.loads(body or b"{}")
check(status == 422 and "mau_nuoc!H5" in problem.get("detail", ""), f"a wrong unit refused at its cell: {status} {problem.get('detail')}")
status, body = request("POST", "/api/v1/samples", filled(), xlsx)
check(status in (200, 201), f"filled template stored ({status} {body[:200]!r})")
status, body = request("GET", "/api/v1/samples?station=LS-SW-IO")
items = json.loads(body).get("items", [])
check(len(items) == 1 and items[0]["time"] == "2026-05-15T09:00:00+07:00", f"one sample at 09:00 Vietnam time: {[i.get('time') for i in items]}")
pb = next((v for v in items[0]["values"] if v["parameter"] == "Pb"), {})
check(pb.get("belowDetection") is True and pb.get("detectionLimit") == 0.002, f"Pb kept below detection: {pb}")
wqi = items[0].get("wqi") or {}
check(wqi.get("computable") is True and isinstance(wqi.get("wqi"), int), f"the sample's VN_WQI: {wqi.get('wqi')} {wqi.get('notComputable')}")
print("xlsx samples interop: all checks passed")
