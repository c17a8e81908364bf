package segments

import (
	"context"
	"testing"
)

// slowCount counts r the way the compiled rules read: every customer, LEFT JOIN features,
// behaviour from the events.
func slowCount(t *testing.T, svc *Service, r Rules) int64 {
	t.Helper()
	c, err := svc.Compile(context.Background(), r)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var n int64
	if err := svc.DB.Raw("SELECT COUNT(*) FROM ("+c.SQL+") q", c.Args...).Scan(&n).Error; err != nil {
		t.Fatalf("slow count: %v\n%s", err, c.SQL)
	}
	return n
}

func TestCountPicksTheNarrowestTablesAndCountsTheSame(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	spenders, err := svc.CreateSegment(ctx, Input{Name: "Spenders", Rules: mustRules(t, one(`{"field":"monetary","op":"gte","value":100}`))})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, rules, shape string
		want               int64
	}{
		{"a profile field alone counts customers alone", one(`{"field":"country","op":"eq","value":"DE"}`), shapeCustomers, 4},
		{"a behaviour alone counts its customer ids alone", one(`{"behaviour":{"event":"view","min_count":2,"days":30}}`), shapeSet, 2},
		{"a purchase in a category counts its customer ids alone", one(`{"behaviour":{"event":"purchase","category":"Shoes","days":90}}`), shapeSet, 4},
		{"a cluster counts its customer ids alone", one(`{"field":"cluster","op":"in","value":[0,3]}`), shapeSet, 3},
		{"a propensity counts its customer ids alone", one(`{"field":"propensity","op":"gte","value":0.3}`), shapeSet, 3},
		{"a behaviour not done counts customers alone", one(`{"behaviour":{"did":false,"event":"view","days":30}}`), shapeCustomers, 6},
		{"two behaviours count customers alone", `{"match":"all","conditions":[{"behaviour":{"event":"view","days":30}},{"behaviour":{"event":"purchase","days":30}}]}`, shapeCustomers, 2},
		{"a feature false without features counts features alone", one(`{"field":"monetary","op":"gte","value":100}`), shapeFeatures, 5},
		{"a feature true without features keeps the left join", one(`{"field":"frequency","op":"lte","value":2}`), shapeLeft, 6},
		{"a missing signup age matches nothing, so features alone", one(`{"field":"days_since_signup","op":"gte","value":100}`), shapeFeatures, 6},
		{"recent champions count features alone", `{"match":"all","conditions":[{"field":"rfm_tier","op":"in","value":["champions","loyal customers"]},{"field":"recency_days","op":"lte","value":30}]}`, shapeFeatures, 2},
		{"a tier not in a list holds without features, so the left join", one(`{"field":"rfm_tier","op":"not_in","value":["champions"]}`), shapeLeft, 8},
		{"a feature and a copied profile field count features alone", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"monetary","op":"gte","value":100}]}`, shapeCopied, 1},
		{"a feature and a profile field not copied count a semi-join", `{"match":"all","conditions":[{"field":"city","op":"eq","value":"Munich"},{"field":"monetary","op":"gte","value":10}]}`, shapeSemi, 1},
		{"an any-group of features is tried whole", `{"match":"any","conditions":[{"field":"frequency","op":"gte","value":3},{"field":"views_30d","op":"gte","value":2}]}`, shapeFeatures, 5},
		{"a profile field inside any keeps the left join", `{"match":"any","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"frequency","op":"gte","value":3}]}`, shapeLeft, 7},
		{"consent and an any-group of features count features alone", `{"match":"all","conditions":[{"field":"consent_email","op":"is_true"},{"group":{"match":"any","conditions":[{"field":"frequency","op":"gte","value":3},{"field":"views_30d","op":"gte","value":2}]}}]}`, shapeCopied, 2},
		{"a tier and a behaviour count features alone by their id", `{"match":"all","conditions":[{"field":"rfm_tier","op":"eq","value":"champions"},{"behaviour":{"event":"purchase","days":30}}]}`, shapeFeatures, 2},
		{"a feature and a propensity count features alone", `{"match":"all","conditions":[{"field":"frequency","op":"gte","value":1},{"field":"propensity","op":"gte","value":0.3}]}`, shapeFeatures, 3},
		{"a custom number and a feature count a semi-join", `{"match":"all","conditions":[{"field":"attr.points","type":"number","op":"gte","value":100},{"field":"frequency","op":"gte","value":1}]}`, shapeSemi, 2},
		{"a group reading both copied profile and features counts features alone", `{"match":"all","conditions":[{"field":"frequency","op":"gte","value":1},{"group":{"match":"any","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"monetary","op":"gte","value":1000}]}}]}`, shapeCopied, 3},
		{"a group reading both profile and features counts the inner join", `{"match":"all","conditions":[{"field":"frequency","op":"gte","value":1},{"group":{"match":"any","conditions":[{"field":"city","op":"eq","value":"Berlin"},{"field":"monetary","op":"gte","value":1000}]}}]}`, shapeInner, 2},
		{"including a segment of spenders counts features alone", one(ref(spenders.ID, true)), shapeFeatures, 5},
		{"excluding a segment of spenders keeps the left join", one(ref(spenders.ID, false)), shapeLeft, 5},
		{"no conditions count every customer", `{"match":"all","conditions":[]}`, shapeCustomers, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRules(t, tt.rules)
			_, _, shape, err := svc.countQuery(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if shape != tt.shape {
				t.Errorf("shape %q, want %q", shape, tt.shape)
			}
			got, err := svc.Count(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if slow := slowCount(t, svc, r); got != tt.want || slow != tt.want {
				t.Errorf("Count = %d, left join over every customer = %d, want %d", got, slow, tt.want)
			}
		})
	}
}
