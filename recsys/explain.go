package recsys

import "fmt"

// Reasons shown with recommendations, for the customer (templates print them) and the
// marketer (the profile page shows them).
const (
	reasonPopular = "Popular right now"
	reasonDefault = "Recommended for you"
	reasonPeers   = "Customers with tastes like yours chose this"
	// A product that is its own reason (see explain).
	reasonViewed       = "You viewed this"
	reasonBoughtBefore = "You bought this before"
)

// explain says why candidate c was proposed by algorithm to a customer with history h.
// A blend's candidate is explained by the component that contributed most (c.Source).
func (s *snapshot) explain(algorithm string, c Candidate, h *history) string {
	if c.Source != "" {
		algorithm = c.Source
	}
	because, known := "", c.Because >= 0 && int(c.Because) < len(s.catalog.products) && s.catalog.products[c.Because].present
	bought := false
	if known {
		because = s.catalog.name(c.Because)
		bought = h != nil && h.hasBought(c.Because)
	}
	verb := "viewed"
	if bought {
		verb = "bought"
	}
	// A product the customer already has in their history can come back (viewed and not
	// bought, or bought when bought products are allowed), and be its own largest reason:
	// "Matches your taste for" itself says nothing, so the reason names what they did.
	if known && c.Because == c.Product && algorithm != AlgoRules {
		if bought {
			return reasonBoughtBefore
		}
		return reasonViewed
	}
	switch algorithm {
	case AlgoPopularity:
		return reasonPopular
	case AlgoRules:
		if known && c.Confidence > 0 {
			return fmt.Sprintf("Customers who bought %s also bought this (confidence %.0f %%, lift %.1f)",
				because, 100*c.Confidence, c.Lift)
		}
	case AlgoContent:
		if known {
			return fmt.Sprintf("Similar to %s you %s", because, verb)
		}
	case AlgoUserUser:
		if known {
			return fmt.Sprintf("Customers who also chose %s liked this", because)
		}
		return reasonPeers
	case AlgoALS:
		if known {
			return fmt.Sprintf("Matches your taste for %s", because)
		}
	default: // item-to-item and anything else that names a history product
		if known {
			return fmt.Sprintf("Because you %s %s", verb, because)
		}
	}
	return reasonDefault
}

// name is a product's name, or its external id when it has none.
func (c *catalog) name(p int32) string {
	if c.products[p].Name != "" {
		return c.products[p].Name
	}
	return c.products[p].ExternalID
}
