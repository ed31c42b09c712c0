package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/internal/bytelru"
	"github.com/fbsession/fbsession/messenger"
	"github.com/fbsession/fbsession/messenger/graph"
	"github.com/fbsession/fbsession/sessionlog"
)

// Actor is who the inbox's commands are recorded as.
const Actor = "messenger"

// Page is a Facebook Page the connector serves: its id, its access token
// and the queue its new sessions are placed in.
type Page struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	Queue string `json:"queue"`
}

// Store is what the inbox reads and appends: threads, and sessions'
// views to tell whether a message started one.
type Store interface {
	eventstore.Store
	View(ctx context.Context, p *eventstore.ViewParams) (*eventstore.StreamView, error)
}

// Profiles reads the User Profile API (graph.Client).
type Profiles interface {
	Profile(ctx context.Context, token, psid string) (graph.Profile, error)
}

// Config configures an Inbox.
type Config struct {
	Store    Store
	Sessions *commands.Handler
	Pages    []Page
	// Profiles, when set, names the customers; without, or when it fails,
	// a customer is known by their PSID.
	Profiles Profiles
	// CachedProfiles bounds the profiles kept; 10,000 when 0.
	CachedProfiles int
	Metrics        *Metrics
	Logger         *slog.Logger
}

// Inbox is the projector. Project runs one page at a time (the runner's
// contract), so it keeps no locks.
type Inbox struct {
	cfg      Config
	pages    map[string]Page
	profiles *bytelru.Cache[string, graph.Profile]
}

// New returns an inbox.
func New(cfg Config) (*Inbox, error) {
	if cfg.Store == nil || cfg.Sessions == nil {
		return nil, errors.New("inbox: a store and a session handler are needed")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.CachedProfiles <= 0 {
		cfg.CachedProfiles = 10_000
	}
	x := &Inbox{cfg: cfg, pages: map[string]Page{},
		profiles: bytelru.New[string](cfg.CachedProfiles, cfg.CachedProfiles*256, func(p graph.Profile) int {
			return 64 + len(p.ID) + len(p.FirstName) + len(p.LastName) + len(p.ProfilePic)
		})}
	for _, p := range cfg.Pages {
		x.pages[p.ID] = p
	}
	return x, nil
}

// Project carries out the deliveries of a page of the feed, in order. An
// error leaves the page to be projected again, from the runner's
// checkpoint: what was carried out already is found so (dedup).
func (x *Inbox) Project(ctx context.Context, events []eventstore.RecordedEvent) error {
	for i := range events {
		e := &events[i]
		if e.Type != messenger.TypeDeliveryReceived || !messenger.IsDeliveryStream(e.StreamID) {
			continue
		}
		rec, err := messenger.DecodeDelivery(e.Data)
		if err != nil {
			x.cfg.Logger.Error("messenger delivery unreadable; skipped", "stream", e.StreamID, "err", err)
			continue
		}
		d, err := messenger.Parse(rec.Body)
		if err != nil {
			x.cfg.Logger.Error("messenger delivery unparsable; skipped", "stream", e.StreamID, "err", err)
			continue
		}
		for _, it := range d.Items() {
			outcome, err := x.item(ctx, messenger.Mark{Commit: e.Commit, Position: e.Position, Item: it.Index}, it, e.RecordedAt)
			if err != nil {
				return fmt.Errorf("inbox: %s item %d: %w", e.StreamID, it.Index, err)
			}
			x.cfg.Metrics.count(string(it.Kind), outcome)
		}
	}
	return nil
}

// item carries out one item; an error is one to retry (the store).
func (x *Inbox) item(ctx context.Context, at messenger.Mark, it messenger.Item, received time.Time) (string, error) {
	switch it.Kind {
	case messenger.KindMessage, messenger.KindPostback, messenger.KindEcho, messenger.KindRead, messenger.KindDelivery:
	default:
		// Standby events and the fields not handled stay in the log as
		// their delivery recorded them (docs/MESSENGER.md).
		return OutcomeRecorded, nil
	}
	page, ok := x.pages[it.Page]
	if !ok {
		x.cfg.Logger.Warn("messenger delivery for a Page not configured", "page", it.Page)
		return OutcomeUnknownPage, nil
	}
	switch it.Kind {
	case messenger.KindEcho:
		return x.echo(ctx, page, it)
	case messenger.KindRead, messenger.KindDelivery:
		return x.receipt(ctx, page, it)
	}
	if it.Mid == "" {
		// Postbacks before 2019 carry no mid: their sender and time stand in.
		it.Mid = "postback." + it.PSID + "." + strconv.FormatInt(it.Timestamp, 10)
	}
	if strings.TrimSpace(it.Body()) == "" {
		return x.refused(it, "nothing to show: no text and no attachment")
	}
	th, err := x.thread(ctx, page.ID, it.PSID)
	if err != nil {
		return "", err
	}
	// An item at or before the thread's opening was carried out before
	// the thread moved on: the inbox handles the feed in order.
	if !th.OpenedAt.Before(at) && th.SessionID != "" || th.Mid == it.Mid {
		return OutcomeDuplicate, nil
	}
	// A message that opened a session is not a message of another.
	if started, err := x.sessionExists(ctx, messenger.SessionID(page.ID, it.PSID, it.Mid)); err != nil || started {
		return OutcomeDuplicate, err
	}
	if th.SessionID != "" {
		res, err := x.cfg.Sessions.Operate(ctx, commands.Request{Actor: Actor, IdempotencyKey: "mid:" + it.Mid}, th.SessionID,
			fb.CustomerMessage{Text: it.Body()})
		switch {
		case err == nil && res.Replayed:
			return OutcomeDuplicate, nil
		case err == nil:
			return OutcomeAppended, nil
		case errors.Is(err, fb.ErrInvalidState), errors.Is(err, fb.ErrNotFound):
			// The session takes no more messages: the customer writes anew.
		case errors.Is(err, fb.ErrInvalid):
			return x.refused(it, err.Error())
		default:
			return "", err
		}
	}
	return x.start(ctx, page, th, at, it, received)
}

// start opens a session for the message, then records it as the thread's.
func (x *Inbox) start(ctx context.Context, page Page, th messenger.Thread, at messenger.Mark, it messenger.Item, received time.Time) (string, error) {
	id := messenger.SessionID(page.ID, it.PSID, it.Mid)
	cmd, err := x.startCommand(ctx, page, id, it, received)
	if err != nil {
		return "", err
	}
	_, err = x.cfg.Sessions.Start(ctx, commands.Request{Actor: Actor}, cmd)
	switch {
	case err == nil, errors.Is(err, fb.ErrAlreadyExists):
		// Started now, or before a crash kept the thread from knowing.
	case errors.Is(err, fb.ErrInvalid):
		return x.refused(it, err.Error())
	default:
		return "", err
	}
	opened, err := th.Open(id, it.Mid, at)
	if errors.Is(err, messenger.ErrAlreadyOpened) {
		return OutcomeDuplicate, nil
	}
	data, err := json.Marshal(opened)
	if err != nil {
		return "", err
	}
	_, err = x.cfg.Store.Append(ctx, &eventstore.AppendParams{
		StreamID: messenger.ThreadStreamID(page.ID, it.PSID), ExpectedVersion: th.Version,
		Events: []eventstore.EventData{{Type: messenger.TypeThreadSessionOpened, SchemaVersion: messenger.SchemaVersion,
			Data: data, Metadata: []byte(`{"actor":"` + Actor + `"}`)}},
	})
	if err != nil {
		return "", fmt.Errorf("thread %s/%s: %w", page.ID, it.PSID, err)
	}
	return OutcomeStarted, nil
}

func (x *Inbox) refused(it messenger.Item, why string) (string, error) {
	x.cfg.Logger.Warn("messenger item refused", "kind", it.Kind, "page", it.Page, "psid", it.PSID, "mid", it.Mid, "reason", why)
	return OutcomeRefused, nil
}

// thread reads the Page's thread with psid.
func (x *Inbox) thread(ctx context.Context, page, psid string) (messenger.Thread, error) {
	var th messenger.Thread
	recs, err := x.cfg.Store.ReadStream(ctx, &eventstore.ReadStreamParams{StreamID: messenger.ThreadStreamID(page, psid)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return th, nil
	}
	if err != nil {
		return th, err
	}
	for i := range recs {
		if th, err = th.Evolve(recs[i].Type, recs[i].Data, recs[i].Version); err != nil {
			return th, err
		}
	}
	return th, nil
}

func (x *Inbox) sessionExists(ctx context.Context, id string) (bool, error) {
	_, err := x.cfg.Store.View(ctx, &eventstore.ViewParams{StreamID: sessionlog.StreamID(id)})
	if errors.Is(err, eventstore.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// startCommand is the intake of a new session, its user data as the
// Social Engagement Facebook driver wrote it (the seed's).
func (x *Inbox) startCommand(ctx context.Context, page Page, id string, it messenger.Item, received time.Time) (fb.Start, error) {
	p := x.profile(ctx, page, it.PSID)
	name := nickname(p.Name(), it.PSID)
	at := it.At()
	if it.Timestamp == 0 {
		at = received
	}
	text := it.Body()
	userData, err := json.Marshal(orderedUserData{
		FirstName: p.FirstName, LastName: p.LastName, ActorID: it.PSID, ActorName: name, SourceID: page.ID,
		MessageID: it.Mid, MessageText: text, CreatedTime: strconv.FormatInt(at.UnixMilli(), 10),
		Subject: subject(text), FromAddress: name, ItxType: string(it.Kind),
	})
	if err != nil {
		return fb.Start{}, err
	}
	return fb.Start{
		SessionID: id, QueueName: page.Queue, FacebooksessionType: fb.DefaultType, Channel: fb.ChannelMessenger,
		ReceivedDate: at.Format("2006-01-02T15:04:05.000-0700"), UserData: userData,
		Participants: []fb.Participant{{Nickname: name, Type: fb.ParticipantCustomer, ID: it.PSID,
			Visibility: fb.VisibilityAll, ParticipantID: it.PSID}},
	}, nil
}

// orderedUserData keeps the keys in the seed's spirit and in one order.
type orderedUserData struct {
	FirstName   string `json:"FirstName"`
	LastName    string `json:"LastName"`
	ActorID     string `json:"_facebookActorId"`
	ActorName   string `json:"_facebookActorName"`
	SourceID    string `json:"_facebookSourceId"`
	MessageID   string `json:"_facebookPMMessageId"`
	MessageText string `json:"_facebookMessageText"`
	CreatedTime string `json:"_facebookCreatedTime"`
	Subject     string `json:"Subject"`
	FromAddress string `json:"FromAddress"`
	// ItxType is the webhook field that opened the session: message or
	// postback.
	ItxType string `json:"_facebookWebhookField"`
}

// profile is the customer's profile, cached; the zero Profile when the
// API has none or fails (the session is not held up for a name).
func (x *Inbox) profile(ctx context.Context, page Page, psid string) graph.Profile {
	key := page.ID + "/" + psid
	if p, ok := x.profiles.Get(key); ok {
		return p
	}
	if x.cfg.Profiles == nil {
		return graph.Profile{}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p, err := x.cfg.Profiles.Profile(pctx, page.Token, psid)
	switch {
	case errors.Is(err, graph.ErrNoProfile):
		p = graph.Profile{ID: psid} // cached: asking again gives the same
	case err != nil:
		x.cfg.Logger.Warn("messenger user profile unavailable; the customer is named by PSID", "page", page.ID, "psid", psid, "err", err)
		return graph.Profile{}
	}
	x.profiles.Add(key, p)
	return p
}

// nickname is name as a participant's nickname may be (1–64 printable
// characters), or the PSID.
func nickname(name, psid string) string {
	var b strings.Builder
	n := 0
	for _, r := range name {
		if fb.IsHidden(r) || r == utf8.RuneError {
			continue
		}
		if n == 64 {
			break
		}
		b.WriteRune(r)
		n++
	}
	if s := strings.TrimSpace(b.String()); s != "" {
		return s
	}
	if utf8.RuneCountInString(psid) > 64 {
		return string([]rune(psid)[:64])
	}
	return psid
}

// subject is the message's first line, at most 100 characters.
func subject(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	if r := []rune(line); len(r) > 100 {
		return string(r[:100])
	}
	return line
}
