// Package fakegraph is a Graph API for tests and demos: it serves the
// User Profile API from profiles it is given, records every Send API
// call, sends echoes of the messages back to a webhook, signed as Meta
// does, and can be told to fail. Safe for concurrent use.
package fakegraph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fbsession/fbsession/messenger"
	"github.com/fbsession/fbsession/messenger/graph"
)

// Config configures the fake.
type Config struct {
	// Profiles are served by PSID; a PSID not here gets the no-profile
	// error (2018218), as an account made with a phone number does.
	Profiles map[string]graph.Profile
	// Webhook, when set, receives an echo of each message sent, signed
	// with AppSecret, as Meta's message_echoes.
	Webhook   string
	AppSecret []byte
	// PageID is the page the echoes come from when a send does not tell.
	PageID string
	// EchoDelay holds each echo back this long after its send.
	EchoDelay time.Duration
	// EchoRetry, when set, delivers an echo the webhook did not take
	// (no answer, not 200) again, every 200 ms, until this long after its
	// send, as Meta delivers again; once when 0.
	EchoRetry time.Duration
	Logger    *slog.Logger
}

// Send is a Send API call as the fake received it.
type Send struct {
	// Token is the access_token the call carried.
	Token string          `json:"token"`
	Body  json.RawMessage `json:"body"`
	// MessageID is what the fake answered; empty when it failed.
	MessageID string `json:"messageId,omitempty"`
	// Error is the code it failed with.
	Error int       `json:"error,omitempty"`
	At    time.Time `json:"at"`
	// EchoedAt is when the webhook took the message's echo (200); nil
	// while it has not.
	EchoedAt *time.Time `json:"echoedAt,omitempty"`
}

// Failure is what the fake answers the next Count Send API calls with:
// a Graph error Code (613, 551, 190, 4, or an HTTP 5xx as Status), or a
// Delay longer than the client waits.
type Failure struct {
	Code    int `json:"code,omitempty"`
	Subcode int `json:"subcode,omitempty"`
	Status  int `json:"status,omitempty"`
	DelayMS int `json:"delay_ms,omitempty"`
	Count   int `json:"count"`
}

// Fake is the fake Graph API.
type Fake struct {
	cfg      Config
	mu       sync.Mutex
	profiles map[string]graph.Profile
	sends    []Send
	failures []Failure
	seq      int
	mux      *http.ServeMux
}

// New returns a fake.
func New(cfg Config) *Fake {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	f := &Fake{cfg: cfg, profiles: map[string]graph.Profile{}, mux: http.NewServeMux()}
	for k, v := range cfg.Profiles {
		f.profiles[k] = v
	}
	// The Graph API's version is any first path segment: /v21.0/me/messages.
	f.mux.HandleFunc("POST /{version}/me/messages", f.send)
	f.mux.HandleFunc("POST /me/messages", f.send)
	f.mux.HandleFunc("GET /{version}/{psid}", f.profile)
	f.mux.HandleFunc("GET /_fake/sends", f.listSends)
	f.mux.HandleFunc("POST /_fake/fail", f.fail)
	f.mux.HandleFunc("POST /_fake/profiles", f.addProfile)
	return f
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// SetProfile serves p for its PSID.
func (f *Fake) SetProfile(p graph.Profile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.profiles[p.ID] = p
}

// Fail makes the next fl.Count Send API calls fail as fl says.
func (f *Fake) Fail(fl Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, fl)
}

// Sends are the Send API calls received so far.
func (f *Fake) Sends() []Send {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Send(nil), f.sends...)
}

func (f *Fake) profile(w http.ResponseWriter, r *http.Request) {
	psid := r.PathValue("psid")
	if r.URL.Query().Get("access_token") == "" {
		graphError(w, http.StatusBadRequest, 190, 0, "An active access token must be used to query information about the current user.")
		return
	}
	f.mu.Lock()
	p, ok := f.profiles[psid]
	f.mu.Unlock()
	if !ok {
		graphError(w, http.StatusBadRequest, graph.CodeNoProfile, 0, "No profile available for this user.")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (f *Fake) send(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	if _, err := body.ReadFrom(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
		graphError(w, http.StatusBadRequest, 100, 0, "Invalid parameter")
		return
	}
	var req struct {
		Recipient struct {
			ID string `json:"id"`
		} `json:"recipient"`
		Message *struct {
			Text     string `json:"text"`
			Metadata string `json:"metadata"`
		} `json:"message"`
		SenderAction string `json:"sender_action"`
	}
	if err := json.Unmarshal(body.Bytes(), &req); err != nil || req.Recipient.ID == "" {
		graphError(w, http.StatusBadRequest, 100, 0, "Invalid parameter")
		return
	}
	s := Send{Token: r.URL.Query().Get("access_token"), Body: append(json.RawMessage(nil), body.Bytes()...), At: time.Now().UTC()}
	f.mu.Lock()
	fl, failing := f.nextFailure()
	if !failing {
		f.seq++
		s.MessageID = fmt.Sprintf("m_fake%08d", f.seq)
	} else {
		s.Error = fl.Code
	}
	f.sends = append(f.sends, s)
	n := len(f.sends) - 1
	f.mu.Unlock()
	if failing {
		f.answerFailure(w, r, fl)
		return
	}
	if req.Message == nil {
		writeJSON(w, http.StatusOK, map[string]string{"recipient_id": req.Recipient.ID})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"recipient_id": req.Recipient.ID, "message_id": s.MessageID})
	if f.cfg.Webhook != "" {
		go f.echo(n, req.Recipient.ID, s.MessageID, req.Message.Text, req.Message.Metadata)
	}
}

// nextFailure takes one call off the first failure left; f.mu held.
func (f *Fake) nextFailure() (Failure, bool) {
	for len(f.failures) > 0 {
		fl := &f.failures[0]
		if fl.Count <= 0 {
			f.failures = f.failures[1:]
			continue
		}
		fl.Count--
		return *fl, true
	}
	return Failure{}, false
}

func (f *Fake) answerFailure(w http.ResponseWriter, r *http.Request, fl Failure) {
	if fl.DelayMS > 0 {
		select {
		case <-time.After(time.Duration(fl.DelayMS) * time.Millisecond):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case fl.Status >= 500:
		graphError(w, fl.Status, 2, 0, "An unexpected error has occurred. Please retry your request later.")
	case fl.Code == 190:
		graphError(w, http.StatusUnauthorized, 190, fl.Subcode, "Error validating access token: The session has been invalidated.")
	case fl.Code == 551:
		graphError(w, http.StatusBadRequest, 551, 1545041, "This person isn't available right now.")
	case fl.Code == 613:
		graphError(w, http.StatusBadRequest, 613, 0, "Calls to this api have exceeded the rate limit.")
	case fl.Code != 0:
		graphError(w, http.StatusBadRequest, fl.Code, fl.Subcode, "Failure as the fake was told.")
	default:
		graphError(w, http.StatusServiceUnavailable, 2, 0, "Service temporarily unavailable")
	}
}

// echo posts message_echoes for a message the Page sent (send n), as
// Meta does, after the EchoDelay, and again until the EchoRetry passed.
func (f *Fake) echo(n int, psid, mid, text, metadata string) {
	start := time.Now()
	time.Sleep(f.cfg.EchoDelay)
	msg := map[string]any{"is_echo": true, "app_id": 1517776481860111, "mid": mid, "text": text}
	if metadata != "" {
		msg["metadata"] = metadata
	}
	now := time.Now().UnixMilli()
	body, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
		"id": f.cfg.PageID, "time": now, "messaging": []any{map[string]any{
			"sender": map[string]string{"id": f.cfg.PageID}, "recipient": map[string]string{"id": psid},
			"timestamp": now, "message": msg}}}}})
	for {
		err := Post(context.Background(), f.cfg.Webhook, f.cfg.AppSecret, body, true)
		if err == nil {
			at := time.Now().UTC()
			f.mu.Lock()
			f.sends[n].EchoedAt = &at
			f.mu.Unlock()
			return
		}
		if time.Since(start) >= f.cfg.EchoRetry {
			f.cfg.Logger.Warn("fake graph: echo not delivered", "err", err)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Post POSTs body to the webhook at url, as Meta delivers, signed with
// secret when sign; any answer but 200 is an error.
func Post(ctx context.Context, url string, secret, body []byte, sign bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if sign {
		req.Header.Set(messenger.SignatureHeader, messenger.Sign(secret, body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return fmt.Errorf("webhook answered %s: %s", resp.Status, strings.TrimSpace(b.String()))
	}
	return nil
}

func (f *Fake) listSends(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, f.Sends())
}

func (f *Fake) fail(w http.ResponseWriter, r *http.Request) {
	var fl Failure
	if err := json.NewDecoder(r.Body).Decode(&fl); err != nil || fl.Count <= 0 {
		http.Error(w, `want {"code":613,"count":1}, or "status":500, or "delay_ms":30000`, http.StatusBadRequest)
		return
	}
	f.Fail(fl)
	w.WriteHeader(http.StatusNoContent)
}

func (f *Fake) addProfile(w http.ResponseWriter, r *http.Request) {
	var p graph.Profile
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil || p.ID == "" {
		http.Error(w, `want {"id":"PSID","first_name":"...","last_name":"..."}`, http.StatusBadRequest)
		return
	}
	f.SetProfile(p)
	w.WriteHeader(http.StatusNoContent)
}

func graphError(w http.ResponseWriter, status, code, subcode int, msg string) {
	writeJSON(w, status, map[string]any{"error": graph.Error{Code: code, Subcode: subcode, Type: "OAuthException", Message: msg, FBTraceID: "fake"}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Run serves the fake on addr until ctx ends.
func Run(ctx context.Context, addr string, f *Fake) error {
	srv := &http.Server{Addr: addr, Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
