package segments

import (
	"encoding/json"
	"testing"
)

// behaviourCases are the full behaviour form counted by hand from the fixture. In the
// last 30 days (from 2025-05-16 12:00) 1 and 10 placed two orders, 2 and 4 one; views
// there came from 1, 2, 3 and 9. Over all time view counts are 1:4, 2:1, 3:1, 5:1, 9:3
// and order totals 1:250, 2:50, 3:40, 4:100, 6:2000, 10:165.
var behaviourCases = []countCase{
	// did not
	{"did not purchase in 30 days", one(`{"behaviour":{"did":false,"event":"purchase","days":30}}`), 6},
	{"did not view in 30 days", one(`{"behaviour":{"did":false,"event":"view","min_count":1,"days":30}}`), 6},
	{"did explicitly true is the default", one(`{"behaviour":{"did":true,"event":"view","days":30}}`), 4},
	{"did not do an event nobody did is everyone", one(`{"behaviour":{"did":false,"event":"wishlist"}}`), 10},
	// at most, including customers who never did it
	{"purchased at most once in 30 days includes those who never did", one(`{"behaviour":{"event":"purchase","max_count":1,"days":30}}`), 8},
	{"purchased exactly once in 30 days", one(`{"behaviour":{"event":"purchase","min_count":1,"max_count":1,"days":30}}`), 2},
	{"viewed at most 0 times in 30 days is did not", one(`{"behaviour":{"event":"view","max_count":0,"days":30}}`), 6},
	{"viewed at most twice over all time", one(`{"behaviour":{"event":"view","max_count":2}}`), 8},
	{"viewed once to three times over all time", one(`{"behaviour":{"event":"view","min_count":1,"max_count":3}}`), 4},
	{"did not view at most twice is viewed more than twice", one(`{"behaviour":{"did":false,"event":"view","max_count":2}}`), 2},
	{"min_count 0 alone means at least once", one(`{"behaviour":{"event":"cart","min_count":0}}`), 2},
	// total value
	{"purchased for more than 100 over all time, 100 itself not above", one(`{"behaviour":{"event":"purchase","min_value":100}}`), 3},
	{"purchased for more than 100 in 30 days", one(`{"behaviour":{"event":"purchase","min_value":100,"days":30}}`), 2},
	{"purchased shoes for more than 100 counts only the shoe lines", one(`{"behaviour":{"event":"purchase","category":"Shoes","min_value":100}}`), 3},
	{"purchased more than 100 with at most one order", one(`{"behaviour":{"event":"purchase","min_value":100,"max_count":1}}`), 1},
	{"carted for more than 50 reads the events' value", one(`{"behaviour":{"event":"cart","min_value":50}}`), 1},
	{"views without a value are never above 0", one(`{"behaviour":{"event":"view","min_value":0}}`), 0},
	{"did not cart for more than 50", one(`{"behaviour":{"did":false,"event":"cart","min_value":50}}`), 9},
	// product
	{"viewed a product over all time", one(`{"behaviour":{"event":"view","product":"p1"}}`), 4},
	{"viewed a product in 30 days", one(`{"behaviour":{"event":"view","product":"p1","days":30}}`), 3},
	{"viewed a product at least twice", one(`{"behaviour":{"event":"view","product":"p1","min_count":2}}`), 1},
	{"purchased a product", one(`{"behaviour":{"event":"purchase","product":"p2"}}`), 3},
	{"purchased a product outside the category given", one(`{"behaviour":{"event":"purchase","product":"p4","category":"Shoes"}}`), 0},
	{"purchased a product in its category", one(`{"behaviour":{"event":"purchase","product":"p4","category":"Home"}}`), 1},
	{"a product nobody has", one(`{"behaviour":{"event":"view","product":"nope"}}`), 0},
	{"did not view a product nobody has is everyone", one(`{"behaviour":{"did":false,"event":"view","product":"nope"}}`), 10},
	// dates, whole UTC days, both ends included
	{"viewed on one day", one(`{"behaviour":{"event":"view","from":"2025-06-13","to":"2025-06-13"}}`), 2},
	{"viewed from a day on", one(`{"behaviour":{"event":"view","from":"2025-06-14"}}`), 2},
	{"viewed up to a day", one(`{"behaviour":{"event":"view","to":"2025-05-01"}}`), 2},
	{"purchased between two days takes the last day whole", one(`{"behaviour":{"event":"purchase","from":"2025-06-01","to":"2025-06-10"}}`), 2},
	{"purchased on the day of an order at noon", one(`{"behaviour":{"event":"purchase","from":"2025-05-16","to":"2025-05-16"}}`), 1},
	{"did not purchase between two days", one(`{"behaviour":{"did":false,"event":"purchase","from":"2025-06-01","to":"2025-06-10"}}`), 8},
	{"purchases over all time count orders, not purchase events", one(`{"behaviour":{"event":"purchase"}}`), 6},
	// together
	{"Germans who did not purchase in 30 days", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},
		{"behaviour":{"did":false,"event":"purchase","days":30}}]}`, 2},
}

func TestCountFullBehaviourConditions(t *testing.T) {
	assertCounts(t, behaviourCases)
}

func TestBehaviourKeepsItsFormThroughJSON(t *testing.T) {
	in := `{"match":"all","conditions":[{"behaviour":{"did":false,"event":"purchase","product":"p1","category":"Shoes",` +
		`"min_count":1,"max_count":3,"min_value":20.5,"from":"2025-01-01","to":"2025-02-01"}},` +
		`{"field":"attr.points","type":"number","op":"gte","value":100},{"segment":{"id":3,"include":false}}]}`
	r := mustRules(t, in)
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("round trip:\n got  %s\n want %s", out, in)
	}
	// The current editor's shape, with every optional key left out, is kept as it was.
	legacy := `{"match":"all","conditions":[{"behaviour":{"event":"view","category":"Shoes","min_count":2,"days":30}}]}`
	if out, _ := json.Marshal(mustRules(t, legacy)); string(out) != legacy {
		t.Fatalf("legacy round trip: %s", out)
	}
}
