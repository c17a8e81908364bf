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
