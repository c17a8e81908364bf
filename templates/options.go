package templates

import "sort"

// Option is one choice of a select.
type Option struct{ Value, Label string }

// SortOptions orders options by label.
func SortOptions(o []Option) { sort.Slice(o, func(i, j int) bool { return o[i].Label < o[j].Label }) }
