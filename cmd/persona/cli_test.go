package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestGenWritesFilesOrFillsTheDatabase(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PERSONA_LOG_LEVEL": "error"}
	if _, err := runCLI(t, env, "gen", "--customers", "120", "--products", "20", "--events", "1500", "--out", filepath.Join(dir, "csv")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"customers.csv", "products.csv", "orders.csv", "events.csv"} {
		if st, err := os.Stat(filepath.Join(dir, "csv", f)); err != nil || st.Size() == 0 {
			t.Fatalf("%s not written: %v", f, err)
		}
	}
	db := filepath.Join(dir, "gen.db")
	out, err := runCLI(t, env, "gen", "--customers", "120", "--products", "20", "--events", "1500", "--db", db)
	if err != nil || !strings.Contains(out, "imported 120 customers") {
		t.Fatalf("gen into the database: %v\n%s", err, out)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var customers, events int64
	s.Raw(`SELECT COUNT(*) FROM customers`).Scan(&customers)
	s.Raw(`SELECT COUNT(*) FROM events`).Scan(&events)
	if customers != 120 || events < 1000 {
		t.Fatalf("database has %d customers and %d events", customers, events)
	}
}

func TestCLIErrorsNameTheProblem(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	env := map[string]string{"PERSONA_LOG_LEVEL": "error", "DATABASE_URL": db}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--kind", "order", "f.csv"}, `"order" is not one of`},
		{[]string{"import", "--kind", "orders"}, "give exactly one FILE"},
		{[]string{"users", "add", "--email", "x@example.com", "--password", "short", "--role", "admin"}, "password"},
		{[]string{"users", "add", "--email", "x@example.com", "--password", "long enough pw", "--role", "boss"}, "role"},
		{[]string{"nonsense"}, "unknown command"},
	} {
		out, err := runCLI(t, env, c.args...)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("persona %s: err %v, output %q; want an error mentioning %q", strings.Join(c.args, " "), err, out, c.want)
		}
	}
	env["PERSONA_SMTP_TLS"] = "bogus"
	env["PERSONA_SMTP_HOST"] = "mail.example"
	if _, err := runCLI(t, env, "users", "list"); err == nil || !strings.Contains(err.Error(), "PERSONA_SMTP_TLS") {
		t.Errorf("a bad PERSONA_SMTP_TLS must stop the process naming the variable: %v", err)
	}
}

func TestPropensityTrainPrintsTheModelAndScoresEveryCustomer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	env := map[string]string{"PERSONA_LOG_LEVEL": "error", "DATABASE_URL": db}
	if out, err := runCLI(t, env, "gen", "--customers", "600", "--products", "40", "--days", "180", "--seed", "5"); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	export := filepath.Join(t.TempDir(), "matrices.csv")
	out, err := runCLI(t, env, "propensity", "train", "--json", "--export", export)
	if err != nil {
		t.Fatalf("propensity train: %v\n%s", err, out)
	}
	var rep struct {
		AUC     float64 `json:"auc"`
		LogLoss float64 `json:"log_loss"`
		TrainN  int     `json:"train_n"`
		Scored  int     `json:"scored"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json printed %q: %v", out, err)
	}
	if rep.AUC <= 0.5 || rep.AUC > 1 || rep.LogLoss <= 0 || rep.TrainN == 0 || rep.Scored != 600 {
		t.Fatalf("report %+v: want an AUC above chance and every customer scored", rep)
	}
	data, err := os.ReadFile(export)
	if err != nil || !strings.HasPrefix(string(data), "customer_id,split,") {
		t.Fatalf("export: %v %q", err, string(data[:min(len(data), 80)]))
	}
}

func TestSegmentsCountCountsARuleFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	env := map[string]string{"PERSONA_LOG_LEVEL": "error", "DATABASE_URL": db}
	if out, err := runCLI(t, env, "gen", "--customers", "200", "--products", "20", "--events", "3000"); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	rules := filepath.Join(dir, "rules.json")
	os.WriteFile(rules, []byte(`{"match":"all","conditions":[{"field":"country","op":"in","value":["DE","FR"]},
		{"group":{"match":"any","conditions":[{"behaviour":{"event":"view","min_count":1,"days":30}},{"field":"frequency","op":"gte","value":1}]}}]}`), 0o644)
	out, err := runCLI(t, env, "segments", "count", "--rules", rules, "--json")
	if err != nil {
		t.Fatalf("segments count: %v\n%s", err, out)
	}
	var got struct {
		Count int64 `json:"count"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	s, _ := store.Open(context.Background(), db)
	defer s.Close()
	var want int64
	s.Raw(`SELECT COUNT(*) FROM customers c LEFT JOIN customer_features f ON f.customer_id = c.id WHERE c.country IN ('DE','FR')
		AND (COALESCE(f.frequency, 0) >= 1 OR c.id IN (SELECT customer_id FROM events WHERE type = 'view' AND occurred_at >= ?))`,
		time.Now().UTC().Add(-30*24*time.Hour)).Scan(&want)
	if got.Count != want || want == 0 {
		t.Fatalf("count %d, want %d", got.Count, want)
	}
	os.WriteFile(rules, []byte(`{"match":"all","conditions":[{"field":"country","op":"like","value":"D%"}]}`), 0o644)
	if out, err := runCLI(t, env, "segments", "count", "--rules", rules); err == nil || !strings.Contains(err.Error()+out, "conditions[0].op") {
		t.Fatalf("bad rules: %v %q; want the path of the bad operator", err, out)
	}
}

func TestBenchTimesEveryRuleOnAGeneratedShop(t *testing.T) {
	env := map[string]string{"PERSONA_LOG_LEVEL": "error", "DATABASE_URL": filepath.Join(t.TempDir(), "b.db")}
	out, err := runCLI(t, env, "bench", "segments", "--customers", "300", "--events", "4000", "--runs", "3")
	if err != nil {
		t.Fatalf("bench segments: %v\n%s", err, out)
	}
	for _, r := range benchRules {
		if !strings.Contains(out, r.name) {
			t.Errorf("no timing for %q in:\n%s", r.name, out)
		}
	}
	out, err = runCLI(t, env, "bench", "clusters", "--k", "4")
	if err != nil || !strings.Contains(out, "K-means k=4 on 300 customers") {
		t.Fatalf("bench clusters: %v\n%s", err, out)
	}
	out, err = runCLI(t, env, "bench", "rebuild", "--write-every", "1ms")
	if err != nil || !strings.Contains(out, "rebuilt the features of 300 customers") || !strings.Contains(out, " 0 failed;") {
		t.Fatalf("bench rebuild: %v\n%s", err, out)
	}
}

func TestRecsysEvalComparesAgainstTheBaselines(t *testing.T) {
	env := map[string]string{"PERSONA_LOG_LEVEL": "error", "DATABASE_URL": filepath.Join(t.TempDir(), "r.db")}
	if out, err := runCLI(t, env, "gen", "--customers", "400", "--products", "40", "--events", "12000"); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	out, err := runCLI(t, env, "recsys", "eval", "--k", "10", "--json")
	if err != nil {
		t.Fatalf("recsys eval: %v\n%s", err, out)
	}
	var rep struct {
		Results []struct {
			Algorithm string  `json:"algorithm"`
			NDCG      float64 `json:"ndcg"`
			Customers int     `json:"customers"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	ndcg := map[string]float64{}
	for _, r := range rep.Results {
		if r.Customers == 0 {
			t.Fatalf("%s evaluated no customers", r.Algorithm)
		}
		ndcg[r.Algorithm] = r.NDCG
	}
	for _, algo := range []string{"popularity", "item-to-item", "user-to-user", "content", "association-rules", "als", "blend"} {
		if _, ok := ndcg[algo]; !ok || !(ndcg[algo] > ndcg["random"]) {
			t.Fatalf("results %+v: want random and %s, above random", rep.Results, algo)
		}
	}
}
