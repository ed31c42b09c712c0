// Package graph is a small client of Meta's Graph API for the Messenger
// connector: the User Profile API now, the Send API with the relay.
package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultURL is Meta's Graph API, version included.
const DefaultURL = "https://graph.facebook.com/v21.0"

// CodeNoProfile is the User Profile API's error for a PSID with no
// profile to give (an account made with a phone number).
const CodeNoProfile = 2018218

// ErrNoProfile: the PSID has no profile the Page may read.
var ErrNoProfile = errors.New("graph: no profile available for this user")

// Error is an error the Graph API answered with. Its message never holds
// the access token.
type Error struct {
	Status    int    `json:"-"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode"`
	Type      string `json:"type"`
	Message   string `json:"message"`
	FBTraceID string `json:"fbtrace_id"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("graph: HTTP %d, code %d (subcode %d): %s", e.Status, e.Code, e.Subcode, e.Message)
}

// Is makes an error of code 2018218 ErrNoProfile.
func (e *Error) Is(target error) bool {
	return target == ErrNoProfile && (e.Code == CodeNoProfile || e.Subcode == CodeNoProfile)
}

// Client calls the Graph API at URL.
type Client struct {
	URL  string
	HTTP *http.Client
}

// New returns a client of the Graph API at base (DefaultURL when empty),
// with a 10 s timeout per call.
func New(base string) *Client {
	if base == "" {
		base = DefaultURL
	}
	return &Client{URL: strings.TrimRight(base, "/"), HTTP: &http.Client{Timeout: 10 * time.Second}}
}

// Profile is what the User Profile API tells of a PSID.
type Profile struct {
	ID         string `json:"id"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	ProfilePic string `json:"profile_pic,omitempty"`
}

// Name is "First Last", or what there is of it.
func (p Profile) Name() string { return strings.TrimSpace(p.FirstName + " " + p.LastName) }

// Profile reads psid's profile with the Page's token.
func (c *Client) Profile(ctx context.Context, token, psid string) (Profile, error) {
	q := url.Values{"fields": {"first_name,last_name,profile_pic"}, "access_token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/"+url.PathEscape(psid)+"?"+q.Encode(), nil)
	if err != nil {
		return Profile{}, err
	}
	var p Profile
	err = c.do(req, &p)
	return p, err
}

// SendRequest is a Send API call: a message, or a sender action.
type SendRequest struct {
	Recipient     Recipient    `json:"recipient"`
	MessagingType string       `json:"messaging_type,omitempty"`
	Tag           string       `json:"tag,omitempty"`
	Message       *SendMessage `json:"message,omitempty"`
	// SenderAction is typing_on, typing_off or mark_seen.
	SenderAction string `json:"sender_action,omitempty"`
}

// Recipient is whom a Send API call is for.
type Recipient struct {
	ID string `json:"id"`
}

// SendMessage is a text message; Metadata comes back in its echo.
type SendMessage struct {
	Text     string `json:"text"`
	Metadata string `json:"metadata,omitempty"`
}

// SendResult is the Send API's answer.
type SendResult struct {
	RecipientID string `json:"recipient_id"`
	MessageID   string `json:"message_id"`
}

// Codes of the Send API's errors the relay tells apart.
const (
	CodeTooManyCalls   = 4       // the app's rate limit
	CodeRateLimit      = 613     // the Page's rate limit
	CodeUnavailable    = 551     // this person isn't available right now
	CodeInvalidToken   = 190     // the Page's access token is invalid or expired
	CodePermission     = 10      // with subcode 2018278: outside the allowed window
	CodeOutsideWindow  = 2018278 // subcode: the message is sent outside of allowed window
	CodeTemporaryError = 2       // a temporary issue with the service
)

// Send calls the Send API with the Page's token.
func (c *Client) Send(ctx context.Context, token string, sr SendRequest) (SendResult, error) {
	body, err := json.Marshal(sr)
	if err != nil {
		return SendResult{}, err
	}
	q := url.Values{"access_token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/me/messages?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return SendResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	var res SendResult
	err = c.do(req, &res)
	return res, err
}

// do sends req and decodes the answer into out, or the Graph API's error.
func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		// The URL holds the token: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("graph: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("graph: reading the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		var env struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(body, &env) != nil || env.Error == nil {
			return &Error{Status: resp.StatusCode, Message: http.StatusText(resp.StatusCode)}
		}
		env.Error.Status = resp.StatusCode
		return env.Error
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("graph: decoding the answer: %w", err)
	}
	return nil
}
