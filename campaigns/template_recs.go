package campaigns

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/store"
)

// The size of a recommendation block.
const (
	DefaultRecCount = 4
	MaxRecCount     = 20
)

// withRecDefaults fills the block settings that templates created through the API or by
// older code leave empty: the tuned blend, four items, the safe rules.
func withRecDefaults(t Template) Template {
	t.RecAlgorithm = strings.TrimSpace(t.RecAlgorithm)
	if t.RecAlgorithm == "" {
		t.RecAlgorithm = recsys.AlgoBest
	}
	if t.RecCount == 0 {
		t.RecCount = DefaultRecCount
	}
	if strings.TrimSpace(t.RecRules) == "" {
		t.RecRules = "{}"
	}
	return t
}

// ParseRecRules decodes a template's rules JSON; empty means the safe defaults. Unknown
// keys are refused, so a typo does not silently drop a rule.
func ParseRecRules(s string) (recsys.Rules, error) {
	var r recsys.Rules
	if strings.TrimSpace(s) == "" {
		return r, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return recsys.Rules{}, fmt.Errorf("campaigns: recommendation rules: %w", err)
	}
	if dec.More() {
		return recsys.Rules{}, fmt.Errorf("campaigns: recommendation rules: text after the JSON object")
	}
	return r, nil
}

// EncodeRecRules is the stored form of r: compact JSON with the defaults left out.
func EncodeRecRules(r recsys.Rules) string {
	b, err := json.Marshal(r)
	if err != nil {
		// Rules holds only strings, numbers and bools: it always encodes.
		panic(fmt.Sprintf("campaigns: encode rules: %v", err))
	}
	return string(b)
}

// validateRecBlock files what is wrong with the block settings of t (defaults applied)
// under "rec_algorithm", "rec_count", and "rec_rules" or "rec_rules.<rule>" for one rule
// (the JSON names of recsys.Rules: "rec_rules.max_price", …).
func validateRecBlock(t Template, fe store.FieldErrors) {
	if !slices.Contains(recsys.KnownAlgorithms, t.RecAlgorithm) {
		fe.Add("rec_algorithm", fmt.Sprintf("unknown algorithm %q — choose one of %s", t.RecAlgorithm, strings.Join(recsys.KnownAlgorithms, ", ")))
	}
	if t.RecCount < 1 || t.RecCount > MaxRecCount {
		fe.Add("rec_count", fmt.Sprintf("show between 1 and %d products", MaxRecCount))
	}
	r, err := ParseRecRules(t.RecRules)
	if err != nil {
		fe.Add("rec_rules", "not valid rules JSON: "+strings.TrimPrefix(err.Error(), "campaigns: recommendation rules: "))
		return
	}
	if err := r.Validate(); err != nil {
		rfe, ok := store.AsFieldErrors(err)
		if !ok {
			fe.Add("rec_rules", err.Error())
			return
		}
		for k, v := range rfe {
			fe.Add("rec_rules."+k, v)
		}
	}
}

// canonicalRecRules re-encodes valid rules JSON in its stored form, so equal rules are
// stored as equal text; invalid JSON is returned as it is (validation reports it).
func canonicalRecRules(s string) string {
	r, err := ParseRecRules(s)
	if err != nil {
		return s
	}
	return EncodeRecRules(r)
}
