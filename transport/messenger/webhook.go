package messenger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/messenger"
)

// Path is where Meta is told to deliver.
const Path = "/webhooks/messenger"

// DefaultMaxBody bounds a delivery's body: Meta batches events, each a
// few hundred bytes to a few KiB.
const DefaultMaxBody = 1 << 20

// Config configures the webhook.
type Config struct {
	// Store records each delivery.
	Store eventstore.Store
	// AppSecret signs the deliveries (X-Hub-Signature-256). Without one,
	// every POST is 403.
	AppSecret []byte
	// VerifyToken is what Meta's verification GET must present; without
	// one every GET is 403.
	VerifyToken string
	// MaxBody bounds a delivery's body; DefaultMaxBody when 0.
	MaxBody int64
	// Timeout bounds the append, so that Meta is answered 503 rather than
	// waiting on a store that does not answer; 5s when 0.
	Timeout time.Duration
	Metrics *Metrics
	Logger  *slog.Logger
	Now     func() time.Time
}

func (c *Config) setDefaults() {
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Handler serves GET and POST on Path.
type Handler struct{ cfg Config }

// New returns the webhook's handler.
func New(cfg Config) (*Handler, error) {
	cfg.setDefaults()
	if cfg.Store == nil {
		return nil, errors.New("messenger webhook: no store")
	}
	return &Handler{cfg: cfg}, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r)
	case http.MethodPost:
		h.deliver(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers Meta's subscription check: hub.mode=subscribe with the
// configured token gets hub.challenge back.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if h.cfg.VerifyToken == "" || q.Get("hub.mode") != "subscribe" || !equalToken(q.Get("hub.verify_token"), h.cfg.VerifyToken) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// deliver stores a signed delivery, then answers 200.
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.cfg.Metrics.count(OutcomeTooLarge)
		http.Error(w, "delivery too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "reading the delivery", http.StatusBadRequest)
		return
	}
	if err := messenger.Verify(h.cfg.AppSecret, body, r.Header.Get(messenger.SignatureHeader)); err != nil {
		h.cfg.Metrics.count(OutcomeForbidden)
		h.cfg.Logger.Warn("messenger delivery refused", "err", err)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	typ, reason, outcome := messenger.TypeDeliveryReceived, "", OutcomeStored
	if _, err := messenger.Parse(body); err != nil {
		typ, reason, outcome = messenger.TypeDeliveryRefused, err.Error(), OutcomeRefused
	}
	if err := h.record(r.Context(), typ, body, reason); err != nil {
		h.cfg.Metrics.count(OutcomeFailed)
		h.cfg.Logger.Error("messenger delivery not stored; Meta delivers it again", "err", err)
		http.Error(w, "not stored; deliver again", http.StatusServiceUnavailable)
		return
	}
	h.cfg.Metrics.count(outcome)
	if outcome == OutcomeRefused {
		h.cfg.Logger.Warn("messenger delivery signed but not understood; recorded as refused", "reason", reason)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "EVENT_RECEIVED")
}

func (h *Handler) record(ctx context.Context, typ string, body []byte, reason string) error {
	data, err := messenger.EncodeDelivery(body, h.cfg.Now(), reason)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()
	id := uuid.New()
	_, err = h.cfg.Store.Append(ctx, &eventstore.AppendParams{
		StreamID: messenger.DeliveryStreamPrefix + id.String(), ExpectedVersion: eventstore.NoStream,
		Events: []eventstore.EventData{{ID: id, Type: typ, SchemaVersion: messenger.SchemaVersion, Data: data,
			Metadata: []byte(`{"actor":"messenger"}`)}},
	})
	if err != nil {
		return fmt.Errorf("append %s: %w", typ, err)
	}
	return nil
}
