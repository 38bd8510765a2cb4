// Package memlimit gives the provider process a soft memory limit that follows its live
// heap.
//
// The provider lives for one Terraform command. With the Go runtime's default (GOGC=100,
// no limit) its heap grows to twice what is live before a collection, and what is live
// grows with the number of resources in the command (the plugin SDK keeps logging
// contexts and gRPC state per request): at 1,500 resources the process peaked at about
// 235 MiB. A soft limit (runtime/debug.SetMemoryLimit, https://go.dev/doc/gc-guide)
// makes the runtime collect earlier instead, for little CPU while the live heap stays
// well below the limit. A fixed limit below the live heap would make the runtime collect
// continuously (up to half the CPU), so the limit rises with the live heap: it is kept
// at least Headroom times the live heap measured after each collection (GOGC=100 would
// let the heap grow to twice the live heap).
package memlimit

import (
	"context"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// DefaultBase is the soft limit while the live heap is small.
const DefaultBase = 128 << 20

// Headroom is the smallest ratio of the limit to the live heap: 1.5 lets the heap grow
// by half of what is live between collections, as GOGC=50 would, but only once the base
// is reached.
const Headroom = 1.5

// liveHeap is the runtime metric of the heap live after the last collection.
const liveHeap = "/gc/heap/live:bytes"

// Apply sets the soft memory limit to base, unless GOMEMLIMIT is set (the user's
// setting wins), and raises it every interval to Headroom times the live heap when that
// is higher, until ctx ends. It returns false, doing nothing, when GOMEMLIMIT is set.
func Apply(ctx context.Context, base int64, interval time.Duration) bool {
	if os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	limit := base
	debug.SetMemoryLimit(limit)
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				limit = raise(limit, readLive())
			}
		}
	}()
	return true
}

// raise returns the limit for a live heap, never lower than the current one, and sets it
// when it changes.
func raise(limit int64, live uint64) int64 {
	if live > math.MaxInt64/4 {
		return limit
	}
	if want := int64(float64(live) * Headroom); want > limit {
		debug.SetMemoryLimit(want)
		return want
	}
	return limit
}

// readLive reads the live heap, or 0 when the runtime does not report it.
func readLive() uint64 {
	s := []metrics.Sample{{Name: liveHeap}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
