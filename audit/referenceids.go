package audit

import (
	"bytes"
	"fmt"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/sessionlog"
)

// refPage is how many referenceIds a page of refSet holds, a bit each.
const refPage = 4096

// refSet is the referenceIds seen, a bit each in pages of refPage
// consecutive ids: they come in blocks (commands.ReferenceIDs), so the
// pages are dense, and a log of n ids takes about n/8 bytes whatever its
// size on disk.
type refSet struct {
	pages map[int64]*[refPage / 64]uint64
}

// add records id and tells whether it was seen before.
func (s *refSet) add(id int64) (seen bool) {
	if s.pages == nil {
		s.pages = map[int64]*[refPage / 64]uint64{}
	}
	page, bit := id/refPage, id%refPage
	p := s.pages[page]
	if p == nil {
		p = new([refPage / 64]uint64)
		s.pages[page] = p
	}
	word, mask := bit/64, uint64(1)<<(bit%64)
	seen = p[word]&mask != 0
	p[word] |= mask
	return seen
}

// referenced checks that no referenceId of a stream's changes was given
// to another change: each is handed out once (commands.ReferenceIDs),
// across processes, restarts and failovers. The events of one change (one
// append) follow each other in their stream with the same metadata, which
// was encoded once for them all: they share their referenceId. (Their
// commit, which they share too, moves with an event re-inserted.)
func (v *verifier) referenced(events []eventstore.RecordedEvent) {
	var last int64
	var lastMeta []byte
	for i := range events {
		e := &events[i]
		if !bytes.Contains(e.Metadata, []byte(`"referenceId"`)) {
			continue
		}
		meta, err := sessionlog.DecodeMetadata(e.Metadata)
		if err != nil || meta.ReferenceID <= 0 {
			continue // a metadata that does not decode breaks the chain, reported there
		}
		if meta.ReferenceID == last && bytes.Equal(e.Metadata, lastMeta) {
			continue // the same change
		}
		last, lastMeta = meta.ReferenceID, e.Metadata
		v.report.ReferenceIDs++
		if v.refs.add(meta.ReferenceID) {
			v.problem(Problem{Position: e.Position, StreamID: e.StreamID, Version: e.Version,
				Reason: fmt.Sprintf("referenceId %d was given to another change already", meta.ReferenceID)})
		}
	}
}
