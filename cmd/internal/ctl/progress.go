package ctl

import (
	"context"

	"github.com/schollz/progressbar/v3"

	"github.com/fbsession/fbsession/eventstore"
)

// progress returns a callback drawing a bar with rate and ETA on a
// terminal, sized by the log's head position; elsewhere it draws nothing.
func (c *CLI) progress(ctx context.Context, s eventstore.Store, what string) (update func(int64), done func()) {
	if !c.ErrIsTerminal {
		return func(int64) {}, func() {}
	}
	total, err := s.Head(ctx)
	if err != nil || total == 0 {
		total = -1
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(c.Err),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("events"),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
	return func(n int64) { _ = bar.Set64(n) }, func() { _ = bar.Finish() }
}
