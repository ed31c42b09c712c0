package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fbsession/fbsession/eventstore"
)

// BenchmarkReadFeed measures a feed read of the last 20 events of 1,000,
// as a caught-up notifier makes them, while 0 or 16 appenders keep
// appending: the watermark's statement reads the lock table and the
// sessions, which appends keep changing.
func BenchmarkReadFeed(b *testing.B) {
	for _, appenders := range []int{0, 16} {
		b.Run(fmt.Sprintf("appenders=%d", appenders), func(b *testing.B) { benchReadFeed(b, appenders) })
	}
}

func benchReadFeed(b *testing.B, appenders int) {
	ctx := context.Background()
	s, _ := newBenchStore(b, int32(appenders)+4)
	var seq atomic.Int64
	appendOne := func() error {
		_, err := s.Append(ctx, &eventstore.AppendParams{StreamID: fmt.Sprintf("s-%d", seq.Add(1)),
			Events: []eventstore.EventData{{Type: "T", Data: []byte(`{"pad":"` + fmt.Sprint(seq.Load()) + `"}`)}}})
		return err
	}
	for range 1000 {
		if err := appendOne(); err != nil {
			b.Fatal(err)
		}
	}
	all, err := s.ReadFeed(ctx, &eventstore.ReadFeedParams{Limit: 1000})
	if err != nil || len(all) != 1000 {
		b.Fatalf("seed: %d events, %v", len(all), err)
	}
	after := all[len(all)-21].Cursor()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := appendOne(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	for b.Loop() {
		if _, err := s.ReadFeed(ctx, &eventstore.ReadFeedParams{After: after, Limit: 100}); err != nil {
			b.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
