package propensity

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// writeMatrices writes the training and test examples exactly as the model saw them: one
// row per example with customer_id, split (train or test), cut (the date and time the
// features are taken at; a training customer has one row per stacked cut), every
// standardised feature in model order, and label (1 if the customer bought within the
// horizon after the cut). Training rows come first. Fitting an L2 logistic regression with an unpenalised intercept
// on the train rows (scikit-learn: LogisticRegression(C=1/lambda)) reproduces the weights.
func writeMatrices(w io.Writer, p *prepared) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	header := append(append([]string{"customer_id", "split", "cut"}, FeatureNames()...), "label")
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("propensity: export: %w", err)
	}
	record := make([]string, len(header))
	for _, side := range []struct {
		name string
		d    *dataset
	}{{"train", &p.train}, {"test", &p.test}} {
		for i, id := range side.d.ids {
			record[0], record[1], record[2] = strconv.FormatInt(id, 10), side.name, side.d.cuts[i].Format(time.RFC3339)
			for j, v := range side.d.z[i] {
				record[3+j] = strconv.FormatFloat(v, 'g', -1, 64)
			}
			record[len(record)-1] = strconv.FormatFloat(side.d.y[i], 'g', -1, 64)
			if err := cw.Write(record); err != nil {
				return fmt.Errorf("propensity: export: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("propensity: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("propensity: export: %w", err)
	}
	return nil
}
