package synth

import (
	"runtime"
	"testing"
	"time"
)

func TestDemoShopIsGeneratedInUnderThreeSeconds(t *testing.T) {
	start := time.Now()
	_, c := generate(t, DemoOptions(31, testEnd))
	took := time.Since(start)
	t.Logf("demo shop %+v in %v", c, took)
	if took > 3*time.Second {
		t.Errorf("demo shop took %v, want under 3 s", took)
	}
}

// TestEventsPerCustomerMatchTheRequestedMean also guards the eventsPerSession constant.
func TestEventsPerCustomerMatchTheRequestedMean(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want float64 // events per customer
	}{
		{"the demo aims at 40 events per customer", DemoOptions(32, testEnd), 40},
		{"an events total overrides the mean", Options{Seed: 32, Customers: 4000, Products: 200, Days: 90, End: testEnd, EventsPerCustomer: 40, Events: 40000}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := generate(t, tt.o)
			got := float64(c.Events) / float64(c.Customers)
			if got < 0.9*tt.want || got > 1.1*tt.want {
				t.Errorf("%.1f events per customer, want %.0f ± 10 %%", got, tt.want)
			}
		})
	}
}

// TestMemoryDoesNotGrowWithEvents generates ten times more events for the same customers
// and products: the bytes allocated must stay about the same, so nothing is kept per event.
func TestMemoryDoesNotGrowWithEvents(t *testing.T) {
	allocated := func(events int) uint64 {
		o := Options{Seed: 33, Customers: 2000, Products: 300, Days: 90, End: testEnd, Events: events}
		dir := t.TempDir()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if _, err := Generate(dir, o); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	few, many := allocated(40_000), allocated(400_000)
	t.Logf("allocated %d bytes for 40k events, %d bytes for 400k events", few, many)
	if many > few+few/2 {
		t.Errorf("allocations grew from %d to %d bytes with ten times the events", few, many)
	}
}

func TestTwentyThousandCustomersStayFast(t *testing.T) {
	o := DemoOptions(34, testEnd)
	o.Customers = 20_000
	start := time.Now()
	_, c := generate(t, o)
	took := time.Since(start)
	t.Logf("%+v in %v", c, took)
	if took > 10*time.Second {
		t.Errorf("20k customers took %v, want well under 10 s", took)
	}
	if c.Customers != 20_000 || c.Events < 600_000 {
		t.Errorf("unexpected counts %+v", c)
	}
}

func BenchmarkGenerateDemo(b *testing.B) {
	dir := b.TempDir()
	var c Counts
	for b.Loop() {
		var err error
		if c, err = Generate(dir, DemoOptions(35, testEnd)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Events), "events/op")
}
