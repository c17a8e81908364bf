package recsys

import "fmt"

// Reasons shown with recommendations, for the customer (templates print them) and the
// marketer (the profile page shows them).
const (
	reasonPopular = "Popular right now"
	reasonDefault = "Recommended for you"
	reasonPeers   = "Customers with tastes like yours chose this"
)

// deed is the most a customer did with a product: viewed it, added it to a cart, or
// bought it; reasons that name one of the customer's products say which.
type deed int

const (
	didView deed = iota
	didCart
	didBuy
)

// deedReasons are the reasons naming a product of the customer's, by deed: item-to-item's
// (%s the product), content's (%s the product), and the reason of a product that is its
// own (see explain).
var deedReasons = [...]struct{ because, similar, itself string }{
	didView: {"Because you viewed %s", "Similar to %s you viewed", "You viewed this"},
	didCart: {"Because you added %s to your cart", "Similar to %s you added to your cart", "You added this to your cart"},
	didBuy:  {"Because you bought %s", "Similar to %s you bought", "You bought this before"},
}

// explain says why candidate c was proposed by algorithm to a customer with history h.
// A blend's candidate is explained by the component that contributed most (c.Source).
func (s *snapshot) explain(algorithm string, c Candidate, h *history) string {
	if c.Source != "" {
		algorithm = c.Source
	}
	because, known := "", c.Because >= 0 && int(c.Because) < len(s.catalog.products) && s.catalog.products[c.Because].present
	did := didView
	if known {
		because = s.catalog.name(c.Because)
		switch {
		case h == nil:
		case h.hasBought(c.Because):
			did = didBuy
		case h.hasCarted(c.Because):
			did = didCart
		}
	}
	// A product the customer already has in their history can come back (viewed or left
	// in a cart and not bought, or bought when bought products are allowed), and be its
	// own largest reason: "Matches your taste for" itself says nothing, so the reason
	// names what they did.
	if known && c.Because == c.Product && algorithm != AlgoRules {
		return deedReasons[did].itself
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
			return fmt.Sprintf(deedReasons[did].similar, because)
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
			return fmt.Sprintf(deedReasons[did].because, because)
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
