#!/usr/bin/env python3
"""Writes tests/fixtures/synthetic/load-template.json: a synthetic ~30 KB FHIR R4 NICU discharge message
Bundle used by homebase_load. Entirely made up (no real patient data). Placeholders that the load driver
replaces per request: {{BUNDLE_ID}}, {{HEADER_ID}} (UUIDs) and {{MRN}} (patient identifier value).
Usage: bench/gen_load_template.py [OUTPUT]"""
import json
import os
import sys
import uuid

NS = uuid.UUID("6f1b7c52-3f0e-4f5e-9a51-2f0d7a0c1e11")


def uid(name):
    return str(uuid.uuid5(NS, name))


def ref(name):
    return {"reference": "urn:uuid:" + uid(name)}


def cc(system, code, display):
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
MRN_SYSTEM = "https://ehr.st-elsewhere-childrens.example.org/fhir/sid/mrn"
NPI = "http://hl7.org/fhir/sid/us-npi"

entries = []


def add(name, resource):
    resource = {"resourceType": resource.pop("resourceType"), "id": uid(name), **resource}
    entries.append({"fullUrl": "urn:uuid:" + uid(name), "resource": resource})


header = {
    "resourceType": "MessageHeader",
    "id": "{{HEADER_ID}}",
    "eventCoding": {"system": "http://homebase.example.org/fhir/CodeSystem/message-event", "code": "nicu-discharge",
                    "display": "NICU discharge"},
    "destination": [{"name": "Homebase", "endpoint": "https://homebase.example.org/fhir/$process-message"}],
    "sender": ref("org-hospital"),
    "source": {"name": "St. Elsewhere Children's NICU", "software": "Synthetic EHR", "version": "1.0",
               "endpoint": "https://ehr.st-elsewhere-childrens.example.org/fhir"},
    "reason": cc("http://terminology.hl7.org/CodeSystem/message-reasons-encounter", "discharge", "Discharge"),
    "focus": [ref("encounter"), ref("patient")],
}
entries.append({"fullUrl": "urn:uuid:{{HEADER_ID}}", "resource": header})

add("org-hospital", {"resourceType": "Organization", "identifier": [{"system": NPI, "value": "1003000126"}],
                     "active": True, "name": "St. Elsewhere Children's Hospital",
                     "telecom": [{"system": "phone", "value": "+1-555-010-2000", "use": "work"}],
                     "address": [{"line": ["1 Hospital Way"], "city": "Springfield", "state": "IL", "postalCode": "62701"}]})
add("org-medical-home", {"resourceType": "Organization", "identifier": [{"system": NPI, "value": "1234567893"}],
                         "active": True, "name": "Sunrise Pediatrics (medical home)",
                         "telecom": [{"system": "phone", "value": "+1-555-010-3000", "use": "work"}],
                         "address": [{"line": ["42 Elm Street"], "city": "Springfield", "state": "IL", "postalCode": "62704"}]})
add("patient", {"resourceType": "Patient",
                "identifier": [{"use": "usual", "type": cc("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number"),
                                "system": MRN_SYSTEM, "value": "{{MRN}}"}],
                "active": True, "name": [{"use": "official", "family": "Synthetic-{{MRN}}", "given": ["Baby", "Girl"]}],
                "gender": "female", "birthDate": "2025-08-14",
                "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                              "valueDateTime": "2025-08-14T03:12:00-05:00"}]},
                "multipleBirthBoolean": False,
                "address": [{"use": "home", "line": ["7 Maple Court"], "city": "Springfield", "state": "IL", "postalCode": "62702"}],
                "generalPractitioner": [ref("org-medical-home")],
                "managingOrganization": ref("org-hospital")})
for i, (rel, code, given, phone) in enumerate([("mother", "MTH", "Maria", "+1-555-010-4001"), ("father", "FTH", "James", "+1-555-010-4002")]):
    add("related-" + rel, {"resourceType": "RelatedPerson", "active": True, "patient": ref("patient"),
                           "relationship": [cc("http://terminology.hl7.org/CodeSystem/v3-RoleCode", code, rel)],
                           "name": [{"family": "Synthetic", "given": [given]}],
                           "telecom": [{"system": "phone", "value": phone + ";ext={{MRN}}", "use": "mobile", "rank": i + 1}],
                           "address": [{"line": ["7 Maple Court"], "city": "Springfield", "state": "IL", "postalCode": "62702"}],
                           "communication": [{"language": cc("urn:ietf:bcp:47", "en-US", "English (United States)"), "preferred": True}]})
add("encounter", {"resourceType": "Encounter", "status": "finished",
                  "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP", "display": "inpatient encounter"},
                  "type": [cc(SNOMED, "405269005", "Neonatal intensive care unit admission")],
                  "subject": ref("patient"), "period": {"start": "2025-08-14T03:40:00-05:00", "end": "2025-10-02T11:00:00-05:00"},
                  "hospitalization": {"dischargeDisposition": cc("http://terminology.hl7.org/CodeSystem/discharge-disposition", "home", "Home")},
                  "serviceProvider": ref("org-hospital")})
conditions = [("cond-prematurity", "49550006", "Premature infant (32 weeks)"),
              ("cond-bpd", "67569000", "Bronchopulmonary dysplasia"),
              ("cond-rop", "415297005", "Retinopathy of prematurity"),
              ("cond-anemia", "123749009", "Anemia of prematurity")]
for name, code, text in conditions:
    add(name, {"resourceType": "Condition",
               "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"),
               "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"),
               "category": [cc("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")],
               "code": cc(SNOMED, code, text), "subject": ref("patient"), "encounter": ref("encounter"),
               "onsetDateTime": "2025-08-14", "note": [{"text": "Synthetic condition for load testing."}]})
practitioners = ["Nguyen", "Okafor", "Schmidt", "Rossi", "Tanaka", "Haddad", "Kowalski", "Silva"]
for i, family in enumerate(practitioners):
    add(f"pract-{i}", {"resourceType": "Practitioner", "identifier": [{"system": NPI, "value": f"19990000{i:02d}"}],
                       "active": True, "name": [{"family": family, "given": ["Alex"], "prefix": ["Dr."]}],
                       "telecom": [{"system": "phone", "value": f"+1-555-010-50{i:02d}", "use": "work"}]})
specialties = [("394537008", "Pediatric specialty"), ("394589003", "Nephrology"), ("394582007", "Dermatology"),
               ("394594003", "Ophthalmology"), ("394591006", "Neurology"), ("408459003", "Pediatric cardiology"),
               ("394583002", "Endocrinology"), ("418112009", "Pulmonary medicine")]
add("careteam", {"resourceType": "CareTeam", "status": "active", "name": "Post-NICU care team",
                 "subject": ref("patient"), "encounter": ref("encounter"), "period": {"start": "2025-10-02"},
                 "participant": [{"role": [cc(SNOMED, code, text)], "member": ref(f"pract-{i}"), "onBehalfOf": ref("org-hospital")}
                                 for i, (code, text) in enumerate(specialties)],
                 "managingOrganization": [ref("org-medical-home")]})
followups = [("sr-0", "Ophthalmology", "ROP follow-up examination", "410451008"),
             ("sr-1", "Pulmonary", "Pulmonology follow-up for BPD", "183519002"),
             ("sr-2", "Audiology", "Repeat hearing screen", "183519002"),
             ("sr-3", "Developmental", "Developmental assessment", "183519002"),
             ("sr-4", "Cardiology", "Echocardiogram follow-up", "183519002"),
             ("sr-5", "Nutrition", "Growth and feeding review", "183519002"),
             ("sr-6", "Hematology", "Anemia follow-up blood count", "183519002")]
for i, (name, area, text, code) in enumerate(followups):
    add(name, {"resourceType": "ServiceRequest", "identifier": [{"system": "https://ehr.st-elsewhere-childrens.example.org/fhir/sid/order", "value": f"ORD-{{{{MRN}}}}-{i}"}],
               "status": "active", "intent": "order", "priority": "routine",
               "code": cc(SNOMED, code, text), "subject": ref("patient"), "encounter": ref("encounter"),
               "occurrencePeriod": {"start": f"2025-10-{10 + i:02d}", "end": f"2025-12-{10 + i:02d}"},
               "authoredOn": "2025-10-02T09:00:00-05:00", "requester": ref(f"pract-{i}"), "performer": [ref("org-medical-home")],
               "reasonReference": [ref(conditions[i % len(conditions)][0])],
               "note": [{"text": f"{area}: synthetic follow-up order for load testing; please schedule within the period."}]})
for i in range(8):
    add(f"appt-{i}", {"resourceType": "Appointment", "identifier": [{"system": "https://ehr.st-elsewhere-childrens.example.org/fhir/sid/appointment", "value": f"APT-{{{{MRN}}}}-{i}"}],
                      "status": "booked", "serviceType": [cc(SNOMED, specialties[i][0], specialties[i][1])],
                      "description": f"Post-discharge follow-up visit {i + 1}",
                      "start": f"2025-10-{10 + 2 * i:02d}T09:30:00-05:00", "end": f"2025-10-{10 + 2 * i:02d}T10:00:00-05:00",
                      "minutesDuration": 30, "created": "2025-10-01",
                      "basedOn": [ref(f"sr-{i % 7}")],
                      "participant": [{"actor": ref("patient"), "required": "required", "status": "accepted"},
                                      {"actor": ref(f"pract-{i}"), "required": "required", "status": "accepted"}]})
add("careplan", {"resourceType": "CarePlan", "status": "active", "intent": "plan", "title": "NICU discharge care plan",
                 "description": "Synthetic discharge plan: follow-up visits, feeding, medications, parent education.",
                 "subject": ref("patient"), "encounter": ref("encounter"), "period": {"start": "2025-10-02", "end": "2026-04-02"},
                 "created": "2025-10-02", "author": ref("pract-0"), "careTeam": [ref("careteam")],
                 "addresses": [ref(c[0]) for c in conditions],
                 "activity": [{"reference": ref(f"sr-{i}")} for i in range(7)] +
                             [{"reference": ref(f"appt-{i}")} for i in range(8)]})
observations = [("obs-ga", "76516-4", "Gestational age at birth", 32, "wk", "wk"),
                 ("obs-bw", "8339-4", "Birth weight", 1710, "g", "g"),
                 ("obs-dw", "29463-7", "Body weight at discharge", 2480, "g", "g"),
                 ("obs-len", "8302-2", "Body height", 46.5, "cm", "cm"),
                 ("obs-hc", "9843-4", "Head circumference", 33.0, "cm", "cm"),
                 ("obs-hgb", "718-7", "Hemoglobin", 10.2, "g/dL", "g/dL"),
                 ("obs-spo2", "59408-5", "Oxygen saturation by pulse oximetry", 96, "%", "%"),
                 ("obs-rr", "9279-1", "Respiratory rate", 44, "/min", "/min")]
for name, code, text, value, unit, ucum in observations:
    add(name, {"resourceType": "Observation", "status": "final",
               "category": [cc("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs" if ucum != "g/dL" else "laboratory", "Vital Signs" if ucum != "g/dL" else "Laboratory")],
               "code": cc(LOINC, code, text), "subject": ref("patient"), "encounter": ref("encounter"),
               "effectiveDateTime": "2025-10-01T08:00:00-05:00", "performer": [ref("org-hospital")],
               "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucum}})
add("obs-hearing", {"resourceType": "Observation", "status": "final", "code": cc(LOINC, "54109-4", "Newborn hearing screen panel"),
                    "subject": ref("patient"), "encounter": ref("encounter"), "effectiveDateTime": "2025-09-28",
                    "valueCodeableConcept": cc(LOINC, "LA10392-1", "Pass")})

bundle = {"resourceType": "Bundle", "id": "{{BUNDLE_ID}}", "meta": {"lastUpdated": "2025-10-02T11:05:00-05:00"},
          "identifier": {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:{{BUNDLE_ID}}"},
          "type": "message", "timestamp": "2025-10-02T11:05:00-05:00", "entry": entries}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "synthetic", "load-template.json")
text = json.dumps(bundle, separators=(",", ":"), ensure_ascii=False) + "\n"
with open(out, "w", encoding="utf-8") as f:
    f.write(text)
print(f"{out}: {len(text.encode())} bytes, {len(entries)} entries", file=sys.stderr)
