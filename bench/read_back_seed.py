#!/usr/bin/env python3
"""Seeds the test medical home (tests/tools/medical-home-server.mjs) with the coordination Tasks Homebase
would have written there for CHILDREN children, and changes some of them as the practice's people would
(bench/run_read_back.sh, bench/README.md "The practice read-back").

  read_back_seed.py seed BASE CHILDREN TASKS_PER_CHILD    transaction Bundles of 50 Tasks (POST [base])
  read_back_seed.py change BASE COUNT                     COUNT Tasks set to completed with a note (PUT)

Each Task is shaped like Homebase's own (mappers/outbound/coordination_task_entries): identifier under
http://homebase.example.org/fhir/sid/ (action items, one case-conference item, one referral Task per child),
status, intent, priority, code, description, for, authoredOn, restriction, performerType, note. Loopback only.
"""
import json
import sys
import urllib.request

SID = "http://homebase.example.org/fhir/sid/"
RULES = ["pcp-visit", "parent-partner-outreach", "interpreter", "schedule-followup", "transport",
         "ei-referral", "referral-loop", "weight-gain", "rop-followup", "visit-summary-review"]


def call(method, url, body=None):
    assert url.startswith("http://127.0.0.1:"), "loopback only"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"{}")


def task(child, n):
    mrn = "BENCH-%05d" % child
    if n == 0:
        system, value, code = SID + "conference-item", "case-conference|ENC-%s" % mrn, "case-conference-item"
    elif n == 1:
        system, value, code = SID + "referral-task", "%08d-0000-5000-8000-%012d" % (child, n), "fulfill"
    else:
        rule = RULES[(n - 2) % len(RULES)]
        system, value, code = SID + "action-item", "%s|%s-%d" % (rule, mrn, n), rule.replace("-", "_")
    return {
        "resourceType": "Task",
        "identifier": [{"system": system, "value": value}],
        "status": "requested", "intent": "order", "priority": "routine",
        "code": {"coding": [{"system": "http://homebase.example.org/fhir/CodeSystem/action-type", "code": code,
                             "display": code.replace("_", " ").capitalize()}]},
        "description": "Coordination work %d for the NICU graduate %s: call the family, book the visit, "
                       "confirm the interpreter and the transport" % (n, mrn),
        "for": {"reference": "Patient/%08d-0000-5000-8000-000000000000" % child},
        "authoredOn": "2026-11-30T15:45:00Z",
        "restriction": {"period": {"end": "2026-12-14"}},
        "performerType": [{"coding": [{"system": "http://homebase.example.org/fhir/CodeSystem/care-team-role",
                                       "code": "care-coordinator"}], "text": "Care coordinator"}],
        "note": [{"text": "Made by rule %s" % code}],
    }


def seed(base, children, per_child):
    batch = []
    for c in range(children):
        for n in range(per_child):
            batch.append({"resource": task(c, n), "request": {"method": "POST", "url": "Task"}})
            if len(batch) == 50:
                call("POST", base, {"resourceType": "Bundle", "type": "transaction", "entry": batch})
                batch = []
    if batch:
        call("POST", base, {"resourceType": "Bundle", "type": "transaction", "entry": batch})


def change(base, count):
    found = call("GET", base + "/Task?identifier=" + urllib.parse.quote(SID + "action-item|", safe="")
                 + "&_count=%d" % count)
    for e in found.get("entry", [])[:count]:
        t = e["resource"]
        t["status"] = "completed"
        t.setdefault("note", []).append({"text": "Done by the practice (bench)"})
        call("PUT", base + "/Task/" + t["id"], t)


if __name__ == "__main__":
    import urllib.parse
    if sys.argv[1] == "seed":
        seed(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "change":
        change(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit("usage: read_back_seed.py seed BASE CHILDREN TASKS | change BASE COUNT")
