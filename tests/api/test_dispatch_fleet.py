"""API tests of the fleet side of delivery (issue 15): a vehicle per courier
whose speed plans the courier's offers and pay (and keeps walkers off long
trips), and booked slots (shift booking) gating the hourly guarantee when the
platform uses them. Epochs by hand, time by the test clock."""
import json
import unittest

from test_dispatch_api import MIN, REF, T0, Base, near
from vis import Server


class Vehicles(Base):
    def test_vehicle_speed_plans_offer_and_pay(self):
        """The same job offered to the same courier on a bicycle, then by car: the car's offer plans an earlier
        arrival and drop-off and pays less time; the vehicle is journalled and shown."""
        cacct, cl, place = self.client()
        wacct, w = self.courier(pos=near(-0.010, -0.010))
        r = w.post("/v1/courier/position", near(-0.010, -0.010))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["vehicle"]["vehicle"], "bicycle")  # no vehicle set: the reference
        self.assertTrue(r.json["vehicle"]["reference"])
        j1 = self.post_job(cl, place)
        self.epoch()
        o1 = self.offers(w)[0]
        self.assertEqual(o1["jobs"][0]["id"], j1["id"])
        r = w.post("/v1/courier/offers/%d/decline" % o1["id"])
        self.assertEqual(r.status, 200, r)
        # bad input changes nothing
        before = self.srv.snapshot()
        self.assertError(w.request("PUT", "/v1/courier/vehicle", body={"vehicle": "horse"}), 400, "invalid_field",
                         "vehicle")
        self.assertError(w.request("PUT", "/v1/courier/vehicle", body={}), 400)
        self.assertEqual(before, self.srv.snapshot())
        r = w.request("PUT", "/v1/courier/vehicle", body={"vehicle": "car"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["vehicle"]["vehicle"], "car")
        self.assertEqual(r.json["vehicle"]["speed_m_per_min"], 417)
        ev = self.journal("vehicle_set", wacct["id"])
        self.assertEqual(len(ev), 1)
        self.assertEqual(json.loads(ev[0][9])["to"], "car")
        j2 = self.post_job(cl, place)  # the same trip; j1 stays banned for this courier (declined)
        self.epoch()
        o2 = self.offers(w)[0]
        self.assertEqual(o2["jobs"][0]["id"], j2["id"])
        self.assertEqual(o2["distance_m"], o1["distance_m"])
        now = T0
        self.assertLess(o2["plan"]["arrive_ms"] - now, o1["plan"]["arrive_ms"] - now)
        self.assertLess(o2["expected_ms"], o1["expected_ms"])
        self.assertLess(o2["breakdown"]["time_micros"], o1["breakdown"]["time_micros"])
        # 300 vs 417 m/min: the ride to the restaurant is about 300/417 as long
        ratio = (o2["plan"]["arrive_ms"] - now) / (o1["plan"]["arrive_ms"] - now)
        self.assertAlmostEqual(ratio, 300 / 417, delta=0.02)
        # the automated decision journals the speed its times are at
        dec = [json.loads(e[9]) for e in self.journal("dispatch_decision", wacct["id"])]
        self.assertEqual([d["inputs"]["courier"]["speed_m_per_min"] for d in dec], [300, 417])
        # an admin sets a vehicle too (e.g. at approval); a non-worker is refused
        r = self.adm.request("PUT", "/v1/admin/dispatch/couriers/%d/vehicle" % wacct["id"], body={"vehicle": "e_bike"})
        self.assertEqual(r.status, 200, r)
        self.assertError(self.adm.request("PUT", "/v1/admin/dispatch/couriers/%d/vehicle" % cacct["id"],
                                          body={"vehicle": "car"}), 400, "not_a_courier")
        self.assertEqual(len(self.journal("vehicle_set", wacct["id"])), 2)
        self.assertSound()

    def test_walker_not_offered_a_long_trip(self):
        cacct, cl, place = self.client()
        wacct, w = self.courier(pos=near())
        self.assertEqual(w.request("PUT", "/v1/courier/vehicle", body={"vehicle": "walking"}).status, 200)
        self.post_job(cl, place, dlat=0.040, dlon=0.040)  # about 5.3 km
        ep = self.epoch()
        self.assertEqual(ep["offers"], [], ep)
        self.assertEqual(self.offers(w), [])
        self.assertEqual(w.request("PUT", "/v1/courier/vehicle", body={"vehicle": "bicycle"}).status, 200)
        self.epoch()
        self.assertEqual(len(self.offers(w)), 1)


SQUARE = [[REF[0] - 0.05, REF[1] - 0.08], [REF[0] - 0.05, REF[1] + 0.08], [REF[0] + 0.05, REF[1] + 0.08],
          [REF[0] + 0.05, REF[1] - 0.08]]


class Slots(Base):
    extra = ("--set", "dispatch.slots=true")

    def area(self):
        r = self.adm.request("PUT", "/v1/admin/dispatch/areas", body={"areas": [{"name": "Centre", "points": SQUARE}]})
        self.assertEqual(r.status, 200, r)

    def slot(self, start, end, cap=1, area="Centre"):
        r = self.adm.post("/v1/admin/dispatch/slots", {"area": area, "start_ms": start, "end_ms": end,
                                                       "capacity": cap})
        self.assertEqual(r.status, 201, r)
        return r.json

    def test_guarantee_counts_only_booked_slots(self):
        self.area()
        before = self.srv.snapshot()
        self.assertError(self.adm.post("/v1/admin/dispatch/slots", {"area": "Nowhere", "start_ms": T0,
                                                                    "end_ms": T0 + MIN, "capacity": 1}),
                         400, "unknown_area", "area")
        self.assertError(self.adm.post("/v1/admin/dispatch/slots", {"area": "Centre", "start_ms": T0 + MIN,
                                                                    "end_ms": T0, "capacity": 1}),
                         400, "invalid_field", "end_ms")
        self.assertError(self.adm.post("/v1/admin/dispatch/slots", {"area": "Centre", "start_ms": T0,
                                                                    "end_ms": T0 + MIN, "capacity": 0}), 400)
        self.assertEqual(before, self.srv.snapshot())
        s1 = self.slot(T0 + 30 * MIN, T0 + 60 * MIN)
        s2 = self.slot(T0 + 120 * MIN, T0 + 180 * MIN, cap=2)
        bacct, booker = self.courier(online=False)
        oacct, other = self.courier(online=False)
        r = booker.post("/v1/courier/slots/%d/book" % s1["id"])
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["mine"])
        self.assertEqual(r.json["booked"], 1)
        self.assertError(booker.post("/v1/courier/slots/%d/book" % s1["id"]), 409, "already_booked")
        self.assertError(other.post("/v1/courier/slots/%d/book" % s1["id"]), 409, "slot_full")
        self.assertError(other.post("/v1/courier/slots/99999/book"), 404)
        lst = other.get("/v1/courier/slots").json
        self.assertTrue(lst["enabled"])
        self.assertEqual([(s["id"], s["mine"]) for s in lst["slots"]], [(s1["id"], False), (s2["id"], False)])
        self.assertEqual(len(self.journal("slot_booked", bacct["id"])), 1)
        # both online for an hour inside the area; only the booker's 30 booked minutes count
        r = booker.post("/v1/courier/online", near(0.001))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["slot"]["start_ms"], T0 + 30 * MIN)
        self.assertFalse(r.json["slot"]["now"])
        self.assertEqual(other.post("/v1/courier/online", near(0.001)).status, 200)
        self.clock(advance_ms=45 * MIN)
        live = booker.get("/v1/courier/shift").json
        self.assertEqual(live["guarantee"]["counted_ms"], 15 * MIN)
        self.assertTrue(live["guarantee"]["slots"])
        self.assertIn("booked", live["guarantee"]["explanation"])
        # what a live estimate needs: the time from now on counts, until the slot ends
        self.assertTrue(live["guarantee"]["counting"])
        self.assertEqual(live["guarantee"]["counting_until_ms"], T0 + 60 * MIN)
        olive = other.get("/v1/courier/shift").json["guarantee"]
        self.assertEqual((olive["counted_ms"], olive["counting"]), (0, False))
        self.clock(advance_ms=15 * MIN)
        r = booker.post("/v1/courier/offline")
        self.assertEqual(r.json["guarantee"]["counted_ms"], 30 * MIN)
        self.assertEqual(r.json["guarantee"]["topup_micros"], 6000000)
        r = other.post("/v1/courier/offline")
        self.assertEqual(r.json["guarantee"]["counted_ms"], 0)
        self.assertEqual(r.json["guarantee"]["topup_micros"], 0)
        # cancel: early is plain, after the cut-off (60 min) it is recorded as late; never a sanction
        r = other.post("/v1/courier/slots/%d/book" % s2["id"])
        self.assertEqual(r.status, 200, r)
        r = other.post("/v1/courier/slots/%d/cancel" % s2["id"])  # now T0+60, slot at T0+120: on the cut-off
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json["cancelled_late"])
        self.assertFalse(r.json["mine"])
        self.assertError(other.post("/v1/courier/slots/%d/cancel" % s2["id"]), 409, "not_booked")
        self.assertEqual(other.post("/v1/courier/slots/%d/book" % s2["id"]).status, 200)
        self.clock(advance_ms=30 * MIN)
        r = other.post("/v1/courier/slots/%d/cancel" % s2["id"], {"reason": "sick"})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["cancelled_late"])
        ev = self.journal("slot_cancelled", oacct["id"])
        self.assertEqual([json.loads(e[9])["late"] for e in ev], [False, True])
        self.assertEqual(json.loads(ev[1][9])["reason"], "sick")
        self.assertEqual(other.post("/v1/courier/online", near(0.001)).status, 200)  # booking never required
        self.assertIn("booked slot", json.dumps(self.adm.get("/v1/register").json))
        self.assertSound()


class SlotsOff(Base):
    def test_slots_off_changes_nothing(self):
        self.area = Slots.area.__get__(self)
        self.area()
        r = self.adm.post("/v1/admin/dispatch/slots", {"area": "Centre", "start_ms": T0 + MIN, "end_ms": T0 + 2 * MIN,
                                                      "capacity": 1})
        self.assertEqual(r.status, 201, r)
        acct, w = self.courier(online=False)
        self.assertError(w.post("/v1/courier/slots/%d/book" % r.json["id"]), 409, "slots_off")
        self.assertFalse(w.get("/v1/courier/slots").json["enabled"])
        self.assertEqual(w.post("/v1/courier/online", near(0.001)).status, 200)
        self.clock(advance_ms=60 * MIN)
        r = w.post("/v1/courier/offline")
        self.assertEqual(r.json["guarantee"]["counted_ms"], 60 * MIN)
        self.assertNotIn("booked", r.json["guarantee"]["explanation"])


if __name__ == "__main__":
    unittest.main()
