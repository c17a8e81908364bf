package customers

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkScratch(b *testing.B) {
	types := []string{"view", "view", "view", "cart", "search", "purchase"}
	path := writeBenchFile(b, "customer_id,type,product_id,occurred_at,value,session_id\n",
		func(w *bufio.Writer, i int) {
			fmt.Fprintf(w, "c%d,%s,p%d,%d,%d,s%d\n", i%10000, types[i%len(types)], i%2000, 1700000000+i*7, i%90, i/5)
		})
	s := newTestService(b)
	sqlDB, _ := s.DB.DB.DB()
	sqlDB.SetMaxOpenConns(1)
	for _, p := range strings.Split(os.Getenv("P"), ";") {
		if p != "" {
			if err := s.DB.Exec(p).Error; err != nil {
				b.Fatal(err)
			}
		}
	}
	start, c0 := time.Now(), cpuTime()
	sum, err := s.ImportFile(context.Background(), path, ImportOptions{Kind: KindEvents})
	b.Logf("wall %v cpu %v %+v %v", time.Since(start), cpuTime()-c0, sum.Imported, err)
}
