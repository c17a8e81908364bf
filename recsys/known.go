package recsys

// KnownAlgorithms are the names a template's recommendation block may ask for, AlgoBest
// first: every algorithm Persona can train, whether or not the serving model has it yet
// (a template saved today may be sent after the next training).
var KnownAlgorithms = []string{AlgoBest, AlgoItemItem, AlgoUserUser, AlgoContent,
	AlgoRules, AlgoALS, AlgoBlend, AlgoPopularity}

// Resolve returns the algorithm name serves on the current model: AlgoBest and "" become
// the blend when one is trained, else item-to-item (the rule of snapshot.model); other
// names come back unchanged.
func (s *Service) Resolve(name string) string {
	if name != "" && name != AlgoBest {
		return name
	}
	if snap := s.current.Load(); snap != nil && snap.byName[AlgoBlend] != nil {
		return AlgoBlend
	}
	return AlgoItemItem
}

// labels are the algorithms' names as pages show them to marketers.
var labels = map[string]string{
	AlgoBest:       "Best (tuned blend)",
	AlgoItemItem:   "Item-to-item",
	AlgoUserUser:   "User-to-user",
	AlgoContent:    "Content-based (product text)",
	AlgoRules:      "Association rules (bought together)",
	AlgoALS:        "Matrix factorisation (ALS)",
	AlgoBlend:      "Blend",
	AlgoPopularity: "Popularity",
	AlgoRandom:     "Random",
}

// Label is how pages name an algorithm to marketers; an unknown name comes back as it is.
func Label(algorithm string) string {
	if l, ok := labels[algorithm]; ok {
		return l
	}
	return algorithm
}
