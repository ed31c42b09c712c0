package cometd

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/fbsession/fbsession/users"
)

// maxBody bounds a request, as the REST API's: a batch is a few hundred
// bytes.
const maxBody = 64 << 10

// deadlineMargin is added to a held connect's wait for the server's read
// and write deadlines: the server's own (a quarter minute) are shorter
// than the advised timeout.
const deadlineMargin = 10 * time.Second

// serveLongPolling answers a POSTed batch, holding its /meta/connect.
func (s *Server) serveLongPolling(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		http.Error(w, "Bayeux batches are application/json", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			http.Error(w, "Bayeux batch over 64 KiB", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading the Bayeux batch", http.StatusBadRequest)
		return
	}
	msgs, err := decodeBatch(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	u, denied := s.authenticate(r)
	if denied != nil {
		s.metrics.refused.WithLabelValues(denied.reason).Inc()
	}
	out := make([][]byte, 0, len(msgs)+1)
	delivered := 0
	var connected *client // the client whose queue the answer carries
	for i := range msgs {
		m := &msgs[i]
		switch {
		case denied != nil:
			out = append(out, s.denialReply(denied, m))
		case m.Channel == metaConnect:
			items, n, ok := s.longPoll(w, r, u, m, i == len(msgs)-1)
			if !ok {
				return // the client went away; what was queued stays queued
			}
			out = append(out, items...)
			delivered += n
			if n > 0 {
				connected = s.reg.get(m.ClientID)
			}
		default:
			out = append(out, s.handle(r.Context(), u, m, transportLongPolling))
		}
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(encodeBatch(out)); err == nil {
		s.metrics.delivered.Add(float64(delivered))
	} else if connected != nil {
		// Taken from the queue and not delivered: the client must not go
		// on with a gap it does not know of.
		s.drop(connected, reasonLost)
	}
}

// longPoll holds a /meta/connect until there is something to deliver, the
// wait ends, a newer connect of the client arrives, the client is removed
// or the server closes. Only the last message of a batch is held. n is
// how many messages the answer delivers; ok is false if the request was
// abandoned meanwhile, and then nothing was taken from the queue.
func (s *Server) longPoll(w http.ResponseWriter, r *http.Request, u users.User, m *message, last bool) (_ [][]byte, n int, ok bool) {
	c := s.lookup(u.ID, m)
	if c == nil {
		return [][]byte{s.unknownClient(m)}, 0, true
	}
	wait := s.connectWait(m)
	if !last {
		wait = 0
	}
	h := s.beginConnect(m, c)
	defer s.endConnect(h)
	release := h.release
	if wait > 0 && !c.pending() {
		rc := http.NewResponseController(w)
		deadline := time.Now().Add(wait + deadlineMargin)
		// Unsupported (a test's recorder) is no limit to extend.
		_ = rc.SetReadDeadline(deadline)
		_ = rc.SetWriteDeadline(deadline)
		timer := time.NewTimer(wait)
		defer timer.Stop()
	hold:
		for !c.pending() {
			select {
			case <-c.wake: // messages, or a stale signal: pending tells
			case <-release:
				break hold
			case <-c.done:
				break hold
			case <-timer.C:
				break hold
			case <-s.ctx.Done():
				break hold
			case <-r.Context().Done():
				c.pass()
				return nil, 0, false
			}
		}
	}
	// The wake and the request's end may have come together: a request
	// gone takes nothing, which would be written to no one.
	if r.Context().Err() != nil {
		c.pass()
		return nil, 0, false
	}
	items, n := s.connectReply(h)
	return items, n, true
}
