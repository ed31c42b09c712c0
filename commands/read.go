package commands

import (
	"context"
	"errors"

	"github.com/fbsession/fbsession/eventstore"
)

// Read is the aggregate id's state as the store has it now: the kept
// state with the events appended since, by any process, folded in, which
// costs a read of nothing when there are none; or the stream folded.
func (s *Service[S, C]) Read(ctx context.Context, id string) (S, error) {
	st, hit := s.cache.get(id)
	if !hit {
		loaded, err := s.load(ctx, id)
		if err != nil {
			return loaded.state, err
		}
		s.keep(id, loaded)
		return loaded.state, nil
	}
	records, err := s.store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: s.decider.StreamID(id), FromVersion: st.version + 1})
	if err != nil && !errors.Is(err, eventstore.ErrNotFound) {
		return st.state, err
	}
	if len(records) == 0 {
		return st.state, nil
	}
	if st, err = s.foldIn(ctx, id, st, records); err != nil {
		return st.state, err
	}
	s.keep(id, st)
	return st.state, nil
}
