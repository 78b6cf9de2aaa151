"""SensorThings interop: frost-sta-client (the FROST project's Python client) against a running `xanh serve`.

Usage: python3 sta_client_test.py BASE_URL API_KEY
Every step asserts what the server answered; the first failure stops the run with a non-zero exit.
"""
import sys

import frost_sta_client as fsc
from frost_sta_client.model.ext.unitofmeasurement import UnitOfMeasurement
from geojson import Point

base, key = sys.argv[1], sys.argv[2]
service = fsc.SensorThingsService(base, auth_handler=fsc.AuthHandler(username="interop", password=key))
steps = 0


def check(condition, message):
    global steps
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    steps += 1
    print(f"ok {steps} - {message}")


# 1. Deep insert: a Thing with a Location and two Datastreams, each with a new Sensor and ObservedProperty.
location = fsc.Location(name="Đình Vũ gate", description="roadside", encoding_type="application/geo+json",
                        location=Point((106.7563, 20.8449)))
ds_specs = [("NO2 roadside", "Nitrogen dioxide", "µg/m³"), ("Noise roadside", "Sound level", "dB(A)")]
datastreams = []
for name, prop, unit in ds_specs:
    datastreams.append(fsc.Datastream(
        name=name, description=f"{prop} at the gate",
        observation_type="http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        unit_of_measurement=UnitOfMeasurement(name=unit, symbol=unit, definition="http://unitsofmeasure.org"),
        sensor=fsc.Sensor(name=f"{prop} analyser", description="continuous analyser", encoding_type="application/pdf",
                          metadata="https://example.org/datasheet.pdf"),
        observed_property=fsc.ObservedProperty(name=prop, definition=f"https://example.org/def/{prop.replace(' ', '')}",
                                               description=prop)))
thing = fsc.Thing(name="Interop thing", description="created by frost-sta-client", properties={"owner": "interop", "n": -50},
                  locations=[location], datastreams=datastreams)
service.create(thing)
check(isinstance(thing.id, int) and thing.id > 0, f"deep insert created Thing {thing.id}")
got = service.things().find(thing.id)
check(got.name == "Interop thing" and got.properties.get("n") == -50, "the Thing reads back with its properties")
ds_list = service.things().find(thing.id).get_datastreams().query().list()
ds_by_name = {d.name: d for d in ds_list}
check(sorted(ds_by_name) == sorted(n for n, _, _ in ds_specs), f"the Thing has both Datastreams: {sorted(ds_by_name)}")
locs = list(got.get_locations().query().list())
check(len(locs) == 1 and locs[0].name == "Đình Vũ gate", "the Thing has its Location")

# 2. Observations: the client embeds the whole Datastream (with its @iot.id) in each one.
no2 = ds_by_name["NO2 roadside"]
for i in range(25):
    obs = fsc.Observation(result=20 + i, phenomenon_time=f"2026-11-20T{i // 12:02d}:{(i % 12) * 5:02d}:00Z", datastream=no2)
    service.create(obs)
    check(obs.id is not None, f"Observation {i + 1} created as {obs.id}") if i in (0, 24) else None
noise = ds_by_name["Noise roadside"]
service.create(fsc.Observation(result=71.5, phenomenon_time="2026-11-20T00:00:00Z", datastream=noise))

# 3. Queries: $filter, $orderby, $top, $expand, and every page through @iot.nextLink.
high = service.observations().query().filter("result ge 40 and Datastream/id eq " + str(no2.id)).orderby("phenomenonTime", "ASC").list()
values = [o.result for o in high]
check(values == [40, 41, 42, 43, 44], f"$filter + $orderby returns [40…44]: {values}")
page = service.observations().query().filter(f"Datastream/id eq {no2.id}").orderby("result", "DESC").top(10).list()
all_results = [o.result for o in page]  # iterating follows @iot.nextLink
check(all_results == list(range(44, 19, -1)), f"following nextLink visits all 25 in order ({len(all_results)} seen)")
check(page.next_link is None or page.next_link == "", "the last page has no nextLink")
expanded = service.datastreams().query().filter(f"Thing/id eq {thing.id}").expand("Observations($orderby=phenomenonTime desc;$top=1),ObservedProperty").list()
latest = {d.name: d.observations.entities[0].result for d in expanded if d.observations is not None and d.observations.entities}
check(latest == {"NO2 roadside": 44, "Noise roadside": 71.5}, f"$expand with nested $top/$orderby gives the latest value: {latest}")
top2 = service.things().query().top(1).list()
check(len(top2.entities) == 1, "$top=1 returns one Thing")
geo = service.locations().query().filter("geo.distance(location, geography'POINT(106.7563 20.8449)') lt 0.001").list()
check([l.name for l in geo] == ["Đình Vũ gate"], "geo.distance filter finds the Location")

# 4. Updates: PUT (full replace) and PATCH (JSON Patch through the client).
got.description = "replaced by PUT"
got.properties = {"owner": "interop", "state": "updated"}
service.update(got)
again = service.things().find(thing.id)
check(again.description == "replaced by PUT" and again.properties == {"owner": "interop", "state": "updated"}, f"PUT replaced the Thing: {again.description!r} {again.properties!r}")
service.patch(again, [{"op": "replace", "path": "/name", "value": "Interop thing (patched)"},
                      {"op": "add", "path": "/properties/patched", "value": True}])
patched = service.things().find(thing.id)
check(patched.name == "Interop thing (patched)" and patched.properties.get("patched") is True, "PATCH (JSON Patch) changed name and properties")
check(patched.description == "replaced by PUT", "PATCH left the other properties alone")

# 5. Delete, with the standard's cascade.
def gone(find, what):
    """The entity answers 404 (the client raises) after its deletion."""
    try:
        find()
    except Exception:
        check(True, f"a deleted {what} answers 404")
        return
    check(False, f"a deleted {what} is gone")


service.delete(no2)
gone(lambda: service.datastreams().find(no2.id), "Datastream")
left = service.observations().query().filter(f"Datastream/Thing/id eq {thing.id}").list()
check([o.result for o in left] == [71.5], "its Observations went with it; the other Datastream's remain")
service.delete(patched)
gone(lambda: service.things().find(thing.id), "Thing")
check(len(list(service.locations().query().filter("name eq 'Đình Vũ gate'").list())) == 1, "the Location survives its Thing")
print(f"sta interop: {steps} checks passed")
