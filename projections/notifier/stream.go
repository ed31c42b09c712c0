package notifier

import (
	"context"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fbsession/fbsession/gws"
)

// stream keeps the JetStream stream that stores the notifications: made or
// updated once, before the first publish.
type stream struct {
	cfg *Config

	mu      sync.Mutex
	ensured bool
}

func newStream(cfg *Config) *stream { return &stream{cfg: cfg} }

func (s *stream) config() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        s.cfg.Stream,
		Description: "fbsession notifications",
		Subjects:    gws.NewSubjects(s.cfg.Prefix).Stream(),
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      s.cfg.Retention,
		MaxBytes:    s.cfg.MaxBytes,
		Discard:     jetstream.DiscardOld,
		Duplicates:  s.cfg.DuplicateWindow,
		Replicas:    max(s.cfg.Replicas, 1),
	}
}

func (s *stream) ensure(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ensured || s.cfg.SkipStream {
		return nil
	}
	if _, err := s.cfg.JetStream.CreateOrUpdateStream(ctx, s.config()); err != nil {
		return fmt.Errorf("stream %s: %w", s.cfg.Stream, err)
	}
	s.ensured = true
	return nil
}
