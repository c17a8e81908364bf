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
	reasonCarted       = "You added this to your cart"
	reasonBoughtBefore = "You bought this before"
)

// explain says why candidate c was proposed by algorithm to a customer with history h.
// A blend's candidate is explained by the component that contributed most (c.Source).
// What the customer did with the product it names is the most they did: bought, else
// added to a cart, else viewed.
func (s *snapshot) explain(algorithm string, c Candidate, h *history) string {
	if c.Source != "" {
		algorithm = c.Source
	}
	because, known := "", c.Because >= 0 && int(c.Because) < len(s.catalog.products) && s.catalog.products[c.Because].present
	bought, carted := false, false
	if known {
		because = s.catalog.name(c.Because)
		bought = h != nil && h.hasBought(c.Because)
		carted = !bought && h != nil && h.hasCarted(c.Because)
	}
	// A product the customer already has in their history can come back (viewed or left
	// in a cart and not bought, or bought when bought products are allowed), and be its
	// own largest reason: "Matches your taste for" itself says nothing, so the reason
	// names what they did.
	if known && c.Because == c.Product && algorithm != AlgoRules {
		switch {
		case bought:
			return reasonBoughtBefore
		case carted:
			return reasonCarted
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
			switch {
			case bought:
				return fmt.Sprintf("Similar to %s you bought", because)
			case carted:
				return fmt.Sprintf("Similar to %s you added to your cart", because)
			}
			return fmt.Sprintf("Similar to %s you viewed", because)
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
			switch {
			case bought:
				return fmt.Sprintf("Because you bought %s", because)
			case carted:
				return fmt.Sprintf("Because you added %s to your cart", because)
			}
			return fmt.Sprintf("Because you viewed %s", because)
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
