package notifier

import (
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// What a search for lost changes reads of each message: the change it
// names (HeaderChange, HeaderPosition), or the lost changes a corrective
// notification corrects (HeaderResync).

// sighting is a message of the stream, by what it names.
type sighting struct {
	seq     uint64
	stored  time.Time
	msgID   string
	agent   string
	change  changeRef
	checked bool // it names a change
	// resync is set on a corrective notification: the versions of its
	// stream it corrects.
	resync *resyncRef
}

type changeRef struct {
	stream   string
	version  int64
	tag      string
	position int64
}

func (c changeRef) key() string {
	return c.stream + ":" + strconv.FormatInt(c.version, 10) + "/" + c.tag
}

type resyncRef struct {
	stream   string
	from, to int64
}

func sightingOf(m jetstream.Msg, meta *jetstream.MsgMetadata) sighting {
	h := m.Headers()
	s := sighting{seq: meta.Sequence.Stream, stored: meta.Timestamp, msgID: h.Get(jetstream.MsgIDHeader), agent: h.Get(HeaderAgent)}
	if c, ok := parseChange(h.Get(HeaderChange)); ok {
		c.position, _ = strconv.ParseInt(h.Get(HeaderPosition), 10, 64)
		s.change, s.checked = c, true
	}
	if r, ok := parseResync(h.Get(HeaderResync)); ok {
		s.resync = &r
	}
	return s
}

// parseChange reads "<streamId>:<version>/<change>".
func parseChange(v string) (changeRef, bool) {
	slash := strings.LastIndexByte(v, '/')
	if slash < 0 {
		return changeRef{}, false
	}
	colon := strings.LastIndexByte(v[:slash], ':')
	if colon <= 0 {
		return changeRef{}, false
	}
	version, err := strconv.ParseInt(v[colon+1:slash], 10, 64)
	if err != nil || version <= 0 || slash == len(v)-1 {
		return changeRef{}, false
	}
	return changeRef{stream: v[:colon], version: version, tag: v[slash+1:]}, true
}

// parseResync reads "<streamId>:<from>-<to>".
func parseResync(v string) (resyncRef, bool) {
	colon := strings.LastIndexByte(v, ':')
	if colon <= 0 {
		return resyncRef{}, false
	}
	a, b, ok := strings.Cut(v[colon+1:], "-")
	from, err1 := strconv.ParseInt(a, 10, 64)
	to, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || from > to {
		return resyncRef{}, false
	}
	return resyncRef{stream: v[:colon], from: from, to: to}, true
}
