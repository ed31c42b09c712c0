package eventstore

import "context"

// Sequences are named durable counters, kept beside the log.
type Sequences interface {
	// ReserveSequence reserves p.N consecutive values of the counter
	// p.Name, starting at 1, and returns the first. Values are never handed
	// out twice, across processes and restarts.
	ReserveSequence(ctx context.Context, p *ReserveSequenceParams) (int64, error)
}

// ReserveSequenceParams are the arguments of Sequences.ReserveSequence.
type ReserveSequenceParams struct {
	Name string
	// N is how many values to reserve; at least 1.
	N int64
}

// Validate checks the parameters every driver requires.
func (p *ReserveSequenceParams) Validate() error {
	if p.Name == "" || p.N <= 0 {
		return errorf("sequence %q, %d values", p.Name, p.N)
	}
	return nil
}
