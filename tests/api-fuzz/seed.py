"""Gives the fuzzer something real to work on: one of each record an operation's path names.

Usage: python3 seed.py BASE_URL TOKEN
Prints `NAME=value` lines (ids only) that schemathesis.toml binds to path parameters, so that
operations on `/inquiries/{id}`, `/people/{id}`, a public form's `{key}` and the rest reach
their own checks instead of answering 404 to a made-up id.
"""

import json
import sys
import urllib.request

BASE, TOKEN = sys.argv[1], sys.argv[2]
USER = "7d444840-9dc0-41d1-b245-5ffdce74fad2"


def call(method, path, body=None):
    req = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.load(res)


workspace = call("GET", "/api/v1/workspaces")["data"]["items"][0]
call("PATCH", "/api/v1/workspaces/" + workspace["id"], {
    "plans": [{"code": "INDUSTRY_GROWTH", "userType": "industry", "name": "Growth",
               "monthlyMin": 12000, "monthlyMax": 20000}],
    "addOns": [{"code": "DILIGIENCE_HUB", "name": "Diligence hub", "monthlyAmount": 500,
                "oneTimeAmount": 499}],
})
# Two of each lead: one to work (assign, reply, convert), one to delete, restore and erase, so
# the first is still there when the operations that work it are tried; a third inquiry is
# marked spam and not spam.
inquiry, inquiry_2, inquiry_3 = (call("POST", "/api/v1/inquiries", {
    "name": name, "email": email, "message": "Seeded for the fuzzer",
})["data"] for name, email in [("Fuzz Seed", "seed@example.com"),
                               ("Fuzz Seed Two", "seed.two@example.com"),
                               ("Fuzz Seed Three", "seed.three@example.com")])
contact, contact_2 = (call("POST", "/api/sales/contact-request", {
    "source": "dashboard_pricing", "plan": "annual", "quantity": n, "contactRequired": True,
    "page": "/pricing",
}) for n in (5, 6))
call("PUT", "/api/v1/users/" + USER, {
    "email": "jo@buyer.test", "name": "Jo Buyer", "company": "Acme", "signupType": "industry",
})
selection = call("POST", "/api/v1/pricing-selections", {
    "userId": USER, "userType": "industry", "selectedPlanCode": "INDUSTRY_GROWTH",
    "selectedAddOnCodes": ["DILIGIENCE_HUB"],
    "pricing": {"planMonthlyMin": 12000, "planMonthlyMax": 20000, "addOnsMonthlyAmount": 500,
                "addOnsOneTimeAmount": 499, "gstRate": 18, "estimatedFirstMonthMin": 15269,
                "estimatedFirstMonthMax": 24709, "estimatedRecurringMin": 14750,
                "estimatedRecurringMax": 24190},
    "source": "pricing_page", "capturedAt": "2026-01-15T10:30:00Z",
})["data"]
webhook = call("POST", "/api/v1/webhooks", {
    "url": "https://example.com/leadbox-fuzz", "topics": ["*"],
})["data"]
call("POST", "/api/v1/webhooks/%s/test" % webhook["id"], {})
deliveries = call("GET", "/api/v1/webhooks/%s/deliveries" % webhook["id"])["data"]["items"]
people = {p["name"]: p["id"] for p in call("GET", "/api/v1/people")["data"]["items"]}

print("LB_PUBLIC_KEY=" + workspace["publicKey"])
print("LB_INQUIRY=" + inquiry["id"])
print("LB_INQUIRY_2=" + inquiry_2["id"])
print("LB_INQUIRY_3=" + inquiry_3["id"])
print("LB_CONTACT=" + contact["requestId"])
print("LB_CONTACT_2=" + contact_2["requestId"])
print("LB_USER=" + USER)
print("LB_SELECTION=" + selection["id"])
print("LB_WEBHOOK=" + webhook["id"])
print("LB_DELIVERY=" + deliveries[0]["id"])
print("LB_PERSON=" + people["Fuzz Seed"])
print("LB_PERSON_2=" + people["Fuzz Seed Two"])
