package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/messenger"
	"github.com/fbsession/fbsession/messenger/graph"
	"github.com/fbsession/fbsession/projections/inbox"
	"github.com/fbsession/fbsession/sessionlog"
)

// Actor is who the relay's commands are recorded as: the connector's.
const Actor = inbox.Actor

// Sender calls the Send API (graph.Client).
type Sender interface {
	Send(ctx context.Context, token string, r graph.SendRequest) (graph.SendResult, error)
}

// Config configures a Relay.
type Config struct {
	Store    eventstore.Store
	Sessions *commands.Handler
	Pages    []inbox.Page
	Graph    Sender
	// Grace is how long a send a crash left without an outcome waits for
	// its echo before it is sent again; 10 s when 0.
	Grace time.Duration
	// RetryMin and RetryMax bound the backoff of retried sends; 500 ms and
	// 30 s when 0.
	RetryMin, RetryMax time.Duration
	// SendTimeout bounds one Send API call; 10 s when 0.
	SendTimeout time.Duration
	// Rate is the text sends per second per Page; 300 when 0.
	Rate float64
	// StaleAction: a typing indicator or an Accept older than this when
	// the relay meets it (a page projected again) is not sent; 30 s when 0.
	StaleAction time.Duration
	Now         func() time.Time
	Metrics     *Metrics
	Logger      *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Grace <= 0 {
		c.Grace = 10 * time.Second
	}
	if c.RetryMin <= 0 {
		c.RetryMin = 500 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 30 * time.Second
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 10 * time.Second
	}
	if c.Rate <= 0 {
		c.Rate = 300
	}
	if c.StaleAction <= 0 {
		c.StaleAction = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Relay is the projector. Project runs one page at a time, in feed order:
// a Page's messages leave in the order they were written.
type Relay struct {
	cfg    Config
	pages  map[string]*page
	health *Health
}

type page struct {
	inbox.Page
	limiter *rate.Limiter
}

// New returns a relay.
func New(cfg Config) (*Relay, error) {
	if cfg.Store == nil || cfg.Sessions == nil || cfg.Graph == nil {
		return nil, errors.New("relay: a store, a session handler and a Graph client are needed")
	}
	cfg.setDefaults()
	r := &Relay{cfg: cfg, pages: map[string]*page{}, health: newHealth(cfg.Metrics)}
	for _, p := range cfg.Pages {
		r.pages[p.ID] = &page{Page: p, limiter: rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate/10)))}
		r.health.set(p.ID, true)
	}
	return r, nil
}

// Health is the Pages' channels as the relay last found them.
func (r *Relay) Health() *Health { return r.health }

// Project relays a page of the feed.
func (r *Relay) Project(ctx context.Context, events []eventstore.RecordedEvent) error {
	for i := range events {
		e := &events[i]
		switch e.Type {
		case fb.TypeAgentMessageSent, fb.TypeAgentTypingStarted, fb.TypeAgentTypingStopped, fb.TypeOfferAccepted:
		default:
			continue
		}
		id, ok := sessionlog.SessionID(e.StreamID)
		if !ok {
			continue
		}
		var err error
		if e.Type == fb.TypeAgentMessageSent {
			err = r.message(ctx, id, e)
		} else {
			err = r.action(ctx, id, e)
		}
		if err != nil {
			return fmt.Errorf("relay: %s v%d: %w", e.StreamID, e.Version, err)
		}
	}
	return nil
}

// message relays one agent's message, once.
func (r *Relay) message(ctx context.Context, id string, e *eventstore.RecordedEvent) error {
	ev, err := sessionlog.Decode(e.Type, e.SchemaVersion, e.Data)
	if err != nil {
		return err
	}
	msg := ev.(fb.AgentMessageSent).Message
	s, err := r.session(ctx, id)
	if err != nil || s == nil {
		return err
	}
	p := r.pages[s.page]
	if p == nil {
		return nil
	}
	st := s.relays[msg.Index]
	if st.outcome {
		r.cfg.Metrics.sent(OutcomeDone)
		return nil
	}
	if st.attempts > 0 {
		// A send may have left before a crash: its echo tells, within the grace.
		confirmed, err := r.awaitEcho(ctx, id, msg.Index, st.intentAt.Add(r.cfg.Grace))
		if err != nil || confirmed {
			return err
		}
	}
	typ, tag, ok := fb.Window(s.customerAt, r.cfg.Now())
	if !ok {
		return r.record(ctx, id, e, fb.RelayOutcome{Index: msg.Index, Code: graph.CodeOutsideWindow,
			Reason: "outside the allowed window: the customer's last message is more than 7 days old"}, OutcomeUndeliverable)
	}
	_, err = r.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor, IdempotencyKey: fmt.Sprintf("sending:%d:%d", msg.Index, st.attempts+1)}, id,
		fb.RelaySending{Index: msg.Index, Attempt: st.attempts + 1, MessagingType: typ, Tag: tag})
	if err != nil {
		return err
	}
	req := graph.SendRequest{Recipient: graph.Recipient{ID: s.psid}, MessagingType: typ, Tag: tag,
		Message: &graph.SendMessage{Text: msg.Text, Metadata: messenger.RelayMetadata(id, msg.Index)}}
	res, gerr, err := r.deliver(ctx, p, id, msg.Index, req)
	switch {
	case errors.Is(err, errConfirmed):
		r.cfg.Metrics.sent(OutcomeConfirmed)
		return nil
	case err != nil:
		return err
	case gerr != nil:
		code := gerr.Code
		if gerr.Subcode == graph.CodeOutsideWindow {
			code = graph.CodeOutsideWindow
		}
		return r.record(ctx, id, e, fb.RelayOutcome{Index: msg.Index, Code: code, Reason: gerr.Message}, OutcomeUndeliverable)
	}
	return r.record(ctx, id, e, fb.RelayOutcome{Index: msg.Index, MessageID: res.MessageID, MessagingType: typ, Tag: tag}, OutcomeRelayed)
}

// record records a message's outcome; one recorded already (by an echo)
// stands.
func (r *Relay) record(ctx context.Context, id string, e *eventstore.RecordedEvent, out fb.RelayOutcome, outcome string) error {
	_, err := r.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor, IdempotencyKey: messenger.OutcomeKey(out.Index)}, id, out)
	switch {
	case errors.Is(err, commands.ErrIdempotencyKeyReused):
		outcome = OutcomeConfirmed
	case err != nil:
		return err
	}
	if outcome == OutcomeUndeliverable {
		r.cfg.Logger.Warn("messenger message undeliverable", "session", id, "index", out.Index, "code", out.Code, "reason", out.Reason)
	}
	r.cfg.Metrics.sent(outcome)
	r.cfg.Metrics.lagged(r.cfg.Now().Sub(e.RecordedAt))
	return nil
}

// errConfirmed: an echo recorded the outcome while the relay retried.
var errConfirmed = errors.New("relay: the outcome was recorded from the echo")

// deliver sends req, retrying what may pass later (613, 4, 5xx, no
// answer, an invalid token: the Page's channel down) with backoff, at the
// Page's rate. It answers the result, or the Graph error that makes the
// message undeliverable, or errConfirmed, or ctx's error.
func (r *Relay) deliver(ctx context.Context, p *page, id string, index int, req graph.SendRequest) (graph.SendResult, *graph.Error, error) {
	backoff := r.cfg.RetryMin
	for {
		if err := p.limiter.Wait(ctx); err != nil {
			return graph.SendResult{}, nil, err
		}
		sctx, cancel := context.WithTimeout(ctx, r.cfg.SendTimeout)
		res, err := r.cfg.Graph.Send(sctx, p.Token, req)
		cancel()
		if err == nil {
			r.health.set(p.ID, true)
			return res, nil, nil
		}
		if ctx.Err() != nil {
			return graph.SendResult{}, nil, ctx.Err()
		}
		reason, gerr := classify(err)
		if reason == "" {
			return graph.SendResult{}, gerr, nil
		}
		if reason == reasonToken && r.health.set(p.ID, false) {
			r.cfg.Logger.Error("messenger Page's token refused (190): its channel is down; replies wait", "page", p.ID)
		}
		r.cfg.Metrics.retry(reason)
		r.cfg.Logger.Warn("messenger send retried", "session", id, "index", index, "reason", reason, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return graph.SendResult{}, nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, r.cfg.RetryMax)
		// A call that got no answer may have been sent: its echo may have
		// recorded it meanwhile.
		if done, err := r.outcomeRecorded(ctx, id, index); err != nil || done {
			if err == nil {
				err = errConfirmed
			}
			return graph.SendResult{}, nil, err
		}
	}
}

const (
	reasonRateLimit = "rate_limit"
	reasonServer    = "server"
	reasonNetwork   = "network"
	reasonToken     = "token"
)

// classify tells why a failed send is retried, or "" and the Graph error
// when it is not: the message is undeliverable.
func classify(err error) (string, *graph.Error) {
	var ge *graph.Error
	if !errors.As(err, &ge) {
		return reasonNetwork, nil // no answer, a timeout, an answer not understood
	}
	switch {
	case ge.Code == graph.CodeRateLimit, ge.Code == graph.CodeTooManyCalls:
		return reasonRateLimit, ge
	case ge.Code == graph.CodeInvalidToken:
		return reasonToken, ge
	case ge.Status >= 500, ge.Code == graph.CodeTemporaryError, ge.Code == 1:
		return reasonServer, ge
	}
	return "", ge
}

// awaitEcho waits until deadline for the outcome of message index to be
// recorded (by its echo); it tells whether it was.
func (r *Relay) awaitEcho(ctx context.Context, id string, index int, deadline time.Time) (bool, error) {
	for {
		done, err := r.outcomeRecorded(ctx, id, index)
		if err != nil || done {
			if done {
				r.cfg.Metrics.sent(OutcomeConfirmed)
			}
			return done, err
		}
		left := deadline.Sub(r.cfg.Now())
		if left <= 0 {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(min(left, 200*time.Millisecond)):
		}
	}
}

func (r *Relay) outcomeRecorded(ctx context.Context, id string, index int) (bool, error) {
	s, err := r.session(ctx, id)
	if err != nil || s == nil {
		return false, err
	}
	return s.relays[index].outcome, nil
}

// action sends a typing indicator or, on Accept, mark_seen: best effort,
// once, and not when the relay meets it late.
func (r *Relay) action(ctx context.Context, id string, e *eventstore.RecordedEvent) error {
	action := map[string]string{fb.TypeAgentTypingStarted: "typing_on", fb.TypeAgentTypingStopped: "typing_off", fb.TypeOfferAccepted: "mark_seen"}[e.Type]
	if r.cfg.Now().Sub(e.RecordedAt) > r.cfg.StaleAction {
		r.cfg.Metrics.action(action, "stale")
		return nil
	}
	s, err := r.session(ctx, id)
	if err != nil || s == nil {
		return err
	}
	p := r.pages[s.page]
	if p == nil || !r.health.Up(p.ID) || !p.limiter.Allow() {
		r.cfg.Metrics.action(action, "failed")
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, min(r.cfg.SendTimeout, 2*time.Second))
	defer cancel()
	if _, err := r.cfg.Graph.Send(sctx, p.Token, graph.SendRequest{Recipient: graph.Recipient{ID: s.psid}, SenderAction: action}); err != nil {
		r.cfg.Metrics.action(action, "failed")
		r.cfg.Logger.Debug("messenger sender action not sent", "session", id, "action", action, "err", err)
		return nil
	}
	r.cfg.Metrics.action(action, "sent")
	return nil
}

// session is what the relay knows of a Messenger session; nil for a
// session of another channel.
type session struct {
	page, psid string
	customerAt time.Time
	relays     map[int]relayState
}

type relayState struct {
	attempts int
	intentAt time.Time
	outcome  bool
	// MessagingType and Tag of the last intent.
	messagingType, tag string
}

// session reads the session's stream.
func (r *Relay) session(ctx context.Context, id string) (*session, error) {
	records, err := r.cfg.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: sessionlog.StreamID(id)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return fold(records)
}

// fold reads a session's relay state from its records; nil when it is
// not a Messenger session.
func fold(records []eventstore.RecordedEvent) (*session, error) {
	var st fb.State
	s := &session{relays: map[int]relayState{}}
	for i := range records {
		rec := &records[i]
		var e fb.Event
		var err error
		if st, e, err = sessionlog.EvolveDecoded(st, rec); err != nil {
			return nil, err
		}
		if i == 0 && st.Channel != fb.ChannelMessenger {
			return nil, nil
		}
		switch e := e.(type) {
		case fb.MessageSending:
			rs := s.relays[e.Index]
			rs.attempts, rs.intentAt, rs.messagingType, rs.tag = e.Attempt, rec.RecordedAt, e.MessagingType, e.Tag
			s.relays[e.Index] = rs
		case fb.MessageRelayed:
			rs := s.relays[e.Index]
			rs.outcome = true
			s.relays[e.Index] = rs
		case fb.MessageUndeliverable:
			rs := s.relays[e.Index]
			rs.outcome = true
			s.relays[e.Index] = rs
		}
	}
	if st.Channel != fb.ChannelMessenger {
		return nil, nil
	}
	var ud struct {
		Page string `json:"_facebookSourceId"`
		PSID string `json:"_facebookActorId"`
	}
	if err := json.Unmarshal(st.UserData, &ud); err != nil || ud.Page == "" || ud.PSID == "" {
		return nil, nil
	}
	s.page, s.psid, s.customerAt = ud.Page, ud.PSID, st.CustomerAt
	return s, nil
}

// Health is the Pages' channels: up unless the Send API refused the
// Page's token (190) and no send has passed since.
type Health struct {
	mu      sync.Mutex
	down    map[string]bool
	metrics *Metrics
}

func newHealth(m *Metrics) *Health { return &Health{down: map[string]bool{}, metrics: m} }

// set records a Page's channel up or down; it tells whether that changed
// it.
func (h *Health) set(id string, up bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.metrics.page(id, up)
	changed := h.down[id] == up
	h.down[id] = !up
	return changed
}

// Up tells whether the Page's channel is up.
func (h *Health) Up(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.down[id]
}

// Check is /readyz's: an error naming the Pages whose channel is down.
func (h *Health) Check() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var down []string
	for id, d := range h.down {
		if d {
			down = append(down, id)
		}
	}
	if len(down) == 0 {
		return nil
	}
	return fmt.Errorf("messenger: the Send API refuses the token of Page(s) %v (190): their replies wait", down)
}
