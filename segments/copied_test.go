package segments

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/store"
)

// The fixture inserts its features rows without the copied customer columns, so every
// count below also checks that the database filled them in from the customers.
func TestCountReadsCopiedCustomerColumnsFromTheFeatures(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	germans, err := svc.CreateSegment(ctx, Input{Name: "Germans", Rules: mustRules(t, one(`{"field":"country","op":"eq","value":"DE"}`))})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, rules, shape string
		want               int64
	}{
		{"push consent and a tier count features alone", `{"match":"all","conditions":[{"field":"consent_push","op":"is_true"},{"field":"rfm_tier","op":"in","value":["champions","can't lose them"]}]}`, shapeCopied, 1},
		{"a country list, a purchase and a frequency count features alone by their id", `{"match":"all","conditions":[{"field":"country","op":"in","value":["DE","FR"]},{"behaviour":{"event":"purchase","days":30}},{"field":"frequency","op":"gte","value":1}]}`, shapeCopied, 2},
		{"a country not equal and a signup age count features alone", `{"match":"all","conditions":[{"field":"country","op":"neq","value":"DE"},{"field":"days_since_signup","op":"gte","value":100}]}`, shapeCopied, 5},
		{"a country starting with a letter and a spend count features alone", `{"match":"all","conditions":[{"field":"country","op":"starts_with","value":"d"},{"field":"monetary","op":"gte","value":50}]}`, shapeCopied, 2},
		{"a country not equal and an empty tier keep the left join", `{"match":"all","conditions":[{"field":"country","op":"neq","value":"DE"},{"field":"rfm_tier","op":"is_empty"}]}`, shapeLeft, 1},
		{"gender, which is not copied, and a frequency count a semi-join", `{"match":"all","conditions":[{"field":"gender","op":"eq","value":"m"},{"field":"frequency","op":"gte","value":2}]}`, shapeSemi, 3},
		{"a segment of a country and a frequency count features alone", `{"match":"all","conditions":[` + ref(germans.ID, true) + `,{"field":"frequency","op":"gte","value":1}]}`, shapeCopied, 2},
		{"no email consent and a view count features alone", `{"match":"all","conditions":[{"field":"consent_email","op":"is_false"},{"field":"views_30d","op":"gte","value":1}]}`, shapeCopied, 1},
		{"a copied field true without features keeps the left join", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"frequency","op":"lte","value":2}]}`, shapeLeft, 3},
		{"a copied field in a top-level any keeps the left join", `{"match":"any","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"monetary","op":"gte","value":1000}]}`, shapeLeft, 5},
		{"a copied field beside one not copied counts a semi-join", `{"match":"all","conditions":[{"field":"email","op":"contains","value":"example"},{"field":"consent_email","op":"is_true"},{"field":"monetary","op":"gte","value":100}]}`, shapeSemi, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRules(t, tt.rules)
			query, _, shape, err := svc.countQuery(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if shape != tt.shape {
				t.Errorf("shape %q, want %q", shape, tt.shape)
			}
			if shape == shapeCopied && strings.Contains(query, "customers") {
				t.Errorf("a count over the copies reads customers:\n%s", query)
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

// copyShop is a database filled through the customers package: customers imported from
// CSV, one customer created by an event, and features rebuilt.
func copyShop(t *testing.T) (*store.DB, *customers.Service, *Service) {
	t.Helper()
	db := store.OpenTest(t)
	ctx := context.Background()
	now := func() time.Time { return testNow }
	cs := customers.NewService(db, now)
	csv := "customer_id,email,gender,country,signup_at,consent_email,consent_push\n" +
		"a,a@example.com,female,DE,2024-01-01,yes,no\n" +
		"b,b@example.com,male,DE,2024-02-01,no,no\n" +
		"c,c@example.com,female,FR,2024-03-01,yes,yes\n" +
		"d,d@example.com,male,GB,2024-04-01,yes,no\n"
	if _, err := cs.Import(ctx, strings.NewReader(csv), customers.ImportOptions{Kind: customers.KindCustomers}); err != nil {
		t.Fatalf("import customers: %v", err)
	}
	if _, err := cs.AddEvents(ctx, []customers.EventInput{{CustomerID: "e", Type: "view", OccurredAt: "2025-06-14T10:00:00Z"}}); err != nil {
		t.Fatalf("add an event of a new customer: %v", err)
	}
	if err := cs.RebuildFeatures(ctx); err != nil {
		t.Fatalf("rebuild features: %v", err)
	}
	return db, cs, NewService(db, now)
}

// copies returns each features row's copied columns as "country consent_email
// consent_push", by external id, and fails when any differs from its customer's.
func copies(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	var rows []struct {
		ExternalID                  string
		Country                     string
		ConsentEmail, ConsentPush   bool
		CCountry                    string
		CConsentEmail, CConsentPush bool
	}
	err := db.WithContext(context.Background()).Raw(`SELECT c.external_id, f.country, f.consent_email,
		f.consent_push, c.country AS c_country, c.consent_email AS c_consent_email,
		c.consent_push AS c_consent_push
		FROM customer_features f JOIN customers c ON c.id = f.customer_id ORDER BY c.external_id`).Scan(&rows).Error
	if err != nil {
		t.Fatalf("read copies: %v", err)
	}
	out := map[string]string{}
	for _, r := range rows {
		if r.Country != r.CCountry || r.ConsentEmail != r.CConsentEmail || r.ConsentPush != r.CConsentPush {
			t.Errorf("features of %s copy %q %v %v, the customer has %q %v %v", r.ExternalID,
				r.Country, r.ConsentEmail, r.ConsentPush, r.CCountry, r.CConsentEmail, r.CConsentPush)
		}
		out[r.ExternalID] = strings.Join([]string{r.Country, boolWord(r.ConsentEmail), boolWord(r.ConsentPush)}, " ")
	}
	return out
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// countCopied counts rules, checks they took the copied shape, and that the left join
// over every customer agrees.
func countCopied(t *testing.T, svc *Service, rules string) int64 {
	t.Helper()
	r := mustRules(t, rules)
	_, _, shape, err := svc.countQuery(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if shape != shapeCopied {
		t.Errorf("shape %q, want %q", shape, shapeCopied)
	}
	n, err := svc.Count(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if slow := slowCount(t, svc, r); slow != n {
		t.Errorf("Count = %d, left join over every customer = %d", n, slow)
	}
	return n
}

// Germans with a signup age: the signup age is NULL without a features row, so the rule
// counts over the copies.
const germansSignedUp = `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"days_since_signup","op":"gte","value":0}]}`

func TestCopiesFollowTheCustomerWritePaths(t *testing.T) {
	db, cs, svc := copyShop(t)
	ctx := context.Background()
	want := map[string]string{
		"a": "DE yes no", "b": "DE no no", "c": "FR yes yes", "d": "GB yes no", "e": " no no",
	}
	check := func(step string) {
		t.Helper()
		got := copies(t, db)
		for ext, w := range want {
			if got[ext] != w {
				t.Errorf("%s: features of %s copy %q, want %q", step, ext, got[ext], w)
			}
		}
	}
	check("after the rebuild")
	if n := countCopied(t, svc, germansSignedUp); n != 2 {
		t.Errorf("after the rebuild: %d Germans signed up, want 2 (a, b)", n)
	}

	// The JSON API moves a customer and gives the one an event created a country.
	if _, err := cs.UpsertCustomers(ctx, []customers.CustomerInput{
		{CustomerID: "c", Country: "DE", ConsentPush: "no"},
		{CustomerID: "e", Country: "DE", Gender: "male", SignupAt: "2025-01-01"},
	}); err != nil {
		t.Fatalf("upsert customers: %v", err)
	}
	want["c"], want["e"] = "DE yes no", "DE no no"
	check("after the API upsert")
	// e's signup age was computed without a signup date: NULL until its features are
	// computed again, so only c joins the count.
	if n := countCopied(t, svc, germansSignedUp); n != 3 {
		t.Errorf("after the API upsert: %d Germans signed up, want 3 (a, b, c)", n)
	}

	// A CSV import changes consents and a country.
	csv := "customer_id,country,consent_email,consent_push\n" +
		"a,AT,no,yes\n" +
		"b,DE,yes,no\n"
	if _, err := cs.Import(ctx, strings.NewReader(csv), customers.ImportOptions{Kind: customers.KindCustomers}); err != nil {
		t.Fatalf("import customers: %v", err)
	}
	want["a"], want["b"] = "AT no yes", "DE yes no"
	check("after the CSV import")
	emailable := `{"match":"all","conditions":[{"field":"consent_email","op":"is_true"},{"field":"days_since_signup","op":"gte","value":0}]}`
	if n := countCopied(t, svc, emailable); n != 3 {
		t.Errorf("after the CSV import: %d with email consent, want 3 (b, c, d)", n)
	}

	// Unsubscribing touches no copied column; the copies stay as they are.
	var id int64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM customers WHERE external_id = 'd'`).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	if err := cs.SetUnsubscribed(ctx, id, testNow); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	check("after unsubscribing")

	// Refreshing features writes the rows again, copies included.
	if err := cs.RefreshFeatures(ctx, []int64{id}); err != nil {
		t.Fatalf("refresh features: %v", err)
	}
	if err := cs.RebuildFeatures(ctx); err != nil {
		t.Fatalf("rebuild features: %v", err)
	}
	check("after a refresh and a rebuild")
	if n := countCopied(t, svc, germansSignedUp); n != 3 {
		t.Errorf("after the rebuild: %d Germans signed up, want 3 (b, c, e)", n)
	}
}

func TestCopiesAreFilledWhenAFeaturesRowIsWritten(t *testing.T) {
	db, _, _ := copyShop(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.WithContext(ctx).Exec(sql, args...).Error; err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
	}
	var id int64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM customers WHERE external_id = 'c'`).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	// A writer that knows nothing of the copies, and one that writes wrong ones.
	exec(`DELETE FROM customer_features WHERE customer_id = ?`, id)
	exec(`INSERT INTO customer_features (customer_id, updated_at) VALUES (?, ?)`, id, testNow)
	if got := copies(t, db)["c"]; got != "FR yes yes" {
		t.Errorf("a row inserted without copies copies %q, want %q", got, "FR yes yes")
	}
	exec(`DELETE FROM customer_features WHERE customer_id = ?`, id)
	exec(`INSERT INTO customer_features (customer_id, country, consent_email, consent_push, updated_at)
		VALUES (?, 'XX', ?, ?, ?)`, id, false, false, testNow)
	if got := copies(t, db)["c"]; got != "FR yes yes" {
		t.Errorf("a row inserted with wrong copies copies %q, want %q", got, "FR yes yes")
	}
	// A row for a customer that does not exist still fails on its foreign key.
	err := db.WithContext(ctx).Exec(`INSERT INTO customer_features (customer_id, updated_at) VALUES (?, ?)`, 999, testNow).Error
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
		t.Errorf("a features row of no customer: err = %v, want a foreign key failure", err)
	}
}
