// Package synth generates a deterministic synthetic shop (customers with hidden tastes,
// products with text, months of sessions, events and orders) as the four canonical CSV
// files of the importer, for the demo and for benchmarks. It writes files only: it never
// touches the database and must not import the customers package.
package synth

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/persona-app/persona/store"
)

// Options sizes and seeds a generated shop.
type Options struct {
	Seed              uint64
	Customers         int       // demo 5000
	Products          int       // demo 300; at least one per category
	Days              int       // length of the behaviour window, demo 90
	End               time.Time // last moment of data; pass the injected clock's now
	EventsPerCustomer float64   // mean number of events per customer, demo ~40
	Events            int       // when > 0, the total number of events aimed at (overrides EventsPerCustomer)
}

// Counts reports how many rows each file received.
type Counts struct {
	Customers, Products, Orders, OrderLines, Events int
}

// DemoOptions returns the size of the demo shop: 5000 customers, 300 products, 90 days.
func DemoOptions(seed uint64, end time.Time) Options {
	return Options{Seed: seed, Customers: 5000, Products: 300, Days: 90, End: end, EventsPerCustomer: 40}
}

// File names written into the output folder.
const (
	CustomersFile = "customers.csv"
	ProductsFile  = "products.csv"
	OrdersFile    = "orders.csv"
	EventsFile    = "events.csv"
)

// Random streams: each part of the shop draws from its own stream, so changing how one
// part is generated does not reshuffle the others.
const (
	streamCatalog uint64 = iota + 1
	streamCustomer
)

// Generate writes customers.csv, products.csv, orders.csv and events.csv into dir (created
// if missing) and reports the rows written. It streams customer by customer, so memory is
// O(products) whatever the number of customers and events. The same Options give
// byte-identical files on one platform (math.Exp may differ in the last bit between CPU
// architectures). Options.Events is a target: the total lands within a few per cent of it.
func Generate(dir string, o Options) (Counts, error) {
	if err := o.validate(); err != nil {
		return Counts{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Counts{}, fmt.Errorf("synth: create folder %s: %w", dir, err)
	}
	names := []string{CustomersFile, ProductsFile, OrdersFile, EventsFile}
	outs := make([]*csvOut, len(names))
	files := make([]*os.File, len(names))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i, name := range names {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return Counts{}, fmt.Errorf("synth: create %s: %w", name, err)
		}
		files[i] = f
		outs[i] = &csvOut{w: bufio.NewWriterSize(f, 256<<10)}
	}
	g := newGenerator(o, outs[0], outs[1], outs[2], outs[3])
	g.run()
	for i, out := range outs {
		err := out.err
		if err == nil {
			err = out.w.Flush()
		}
		if err == nil {
			err = files[i].Close()
			files[i] = nil
		}
		if err != nil {
			return Counts{}, fmt.Errorf("synth: write %s: %w", names[i], err)
		}
	}
	return g.counts, nil
}

func (o Options) validate() error {
	fe := store.FieldErrors{}
	if o.Customers < 1 {
		fe.Add("customers", "must be at least 1")
	}
	if o.Products < len(catalogue) {
		fe.Add("products", fmt.Sprintf("must be at least %d (one per category)", len(catalogue)))
	}
	if o.Days < 1 {
		fe.Add("days", "must be at least 1")
	}
	if o.End.IsZero() {
		fe.Add("end", "must be set")
	}
	if o.EventsPerCustomer < 0 {
		fe.Add("events_per_customer", "must not be negative")
	}
	if o.Events < 0 {
		fe.Add("events", "must not be negative")
	}
	return fe.Err()
}

// meanEvents is the number of events aimed at per customer.
func (o Options) meanEvents() float64 {
	if o.Events > 0 {
		return float64(o.Events) / float64(o.Customers)
	}
	return o.EventsPerCustomer
}

// newRand returns a PCG stream for (seed, stream, index); the words are mixed so that
// neighbouring customers get unrelated streams.
func newRand(seed, stream uint64, index int) *rand.Rand {
	pcg := rand.NewPCG(0, 0)
	reseed(pcg, seed, stream, index)
	return rand.New(pcg)
}

func reseed(pcg *rand.PCG, seed, stream uint64, index int) {
	pcg.Seed(splitmix(seed^splitmix(stream)), splitmix(uint64(index)+stream<<48))
}

// splitmix is the SplitMix64 finaliser: a cheap bijective scrambler of 64-bit words.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
