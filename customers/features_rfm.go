package customers

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rfmGrid gives the RFM tier of a recency score R and FM, the mean of the frequency and
// monetary scores rounded half up ((F + M + 1) / 2 in integers). It is the usual R × F
// segment map of RFM analysis (champions top right, lost bottom left), read with FM in
// place of F so that spend weighs as much as the number of orders:
//
//	R \ FM  1               2                    3                    4                5
//	5       new customers   potential loyalists  potential loyalists  champions        champions
//	4       promising       potential loyalists  potential loyalists  loyal customers  loyal customers
//	3       about to sleep  about to sleep       need attention       loyal customers  loyal customers
//	2       hibernating     hibernating          at risk              at risk          can't lose them
//	1       lost            hibernating          at risk              at risk          can't lose them
//
// Rows are indexed by 5 - R, columns by FM - 1.
var rfmGrid = [5][5]string{
	{tierNew, tierPotential, tierPotential, tierChampions, tierChampions},
	{tierPromising, tierPotential, tierPotential, tierLoyal, tierLoyal},
	{tierAboutToSleep, tierAboutToSleep, tierNeedAttention, tierLoyal, tierLoyal},
	{tierHibernating, tierHibernating, tierAtRisk, tierAtRisk, tierCantLose},
	{tierLost, tierHibernating, tierAtRisk, tierAtRisk, tierCantLose},
}

// The stored rfm_tier values; segment rules name them as they are written here.
const (
	tierChampions     = "champions"
	tierLoyal         = "loyal customers"
	tierPotential     = "potential loyalists"
	tierNew           = "new customers"
	tierPromising     = "promising"
	tierNeedAttention = "need attention"
	tierAboutToSleep  = "about to sleep"
	tierAtRisk        = "at risk"
	tierCantLose      = "can't lose them"
	tierHibernating   = "hibernating"
	tierLost          = "lost"
)

// RFMTiers lists the values rfm_tier takes for customers with orders, best first;
// customers without orders have the empty tier.
func RFMTiers() []string {
	return []string{tierChampions, tierLoyal, tierPotential, tierNew, tierPromising, tierNeedAttention,
		tierAboutToSleep, tierAtRisk, tierCantLose, tierHibernating, tierLost}
}

// RFMTierLabel is a tier as a heading ("can't lose them" → "Can't lose them"); the
// empty tier of a customer without orders reads "No orders yet".
func RFMTierLabel(tier string) string {
	if tier == "" {
		return "No orders yet"
	}
	r, n := utf8.DecodeRuneInString(tier)
	return string(unicode.ToUpper(r)) + tier[n:]
}

// RFMTier returns the tier of the scores r, f and m (each 1–5); "" when any is out of range.
func RFMTier(r, f, m int) string {
	if r < 1 || r > 5 || f < 1 || f > 5 || m < 1 || m > 5 {
		return ""
	}
	return rfmGrid[5-r][(f+m+1)/2-1]
}

// tierCaseSQL is a CASE expression over the scores s.r, s.f and s.m giving the tier of
// rfmGrid, with the tier names as arguments; the codes compared are r*10 + fm.
func tierCaseSQL() (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("CASE s.r * 10 + (s.f + s.m + 1) / 2")
	for r := 5; r >= 1; r-- {
		for fm := 1; fm <= 5; fm++ {
			b.WriteString(" WHEN " + strconv.Itoa(r*10+fm) + " THEN ?")
			args = append(args, rfmGrid[5-r][fm-1])
		}
	}
	b.WriteString(" ELSE '' END")
	return b.String(), args
}
