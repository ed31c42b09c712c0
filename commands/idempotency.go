package commands

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
)

// Operation names recorded in the metadata of appends. An idempotency key
// is scoped to its user, its session and its operation: the same key sent
// for another operation is another request.
const (
	OperationIntake   = fb.OperationIntake
	OperationComplete = fb.OperationComplete
)

// Operations are every operation a handler runs: intake, the agents' and
// the integration side's.
func Operations() []string {
	return append(append([]string{OperationIntake}, fb.AgentOperations()...), fb.IntegrationOperations()...)
}

// keyID is an idempotency key in its scope on one stream.
type keyID struct{ actor, operation, key string }

// keyUse is what a key was used for: the referenceId answered and the
// fingerprint of the request ("" where the event records none, which
// matches any request).
type keyUse struct {
	ref  int64
	hash string
}

// requestHash fingerprints a command as the aggregate sees it, not the
// bytes the client sent: the same request with its JSON keys reordered,
// spaced differently or with a default spelled out is the same request.
// The session and the user are not in it: they scope the key already.
func requestHash(cmd fb.Command) (string, error) {
	var canonical any
	switch cmd := cmd.(type) {
	case fb.Start:
		typ := cmd.FacebooksessionType
		if typ == "" {
			typ = fb.DefaultType
		}
		participants := cmd.Participants
		if participants == nil {
			participants = []fb.Participant{}
		}
		canonical = struct {
			Operation           string           `json:"operation"`
			AgentID             string           `json:"agentId"`
			FacebooksessionType string           `json:"facebooksessionType"`
			Comment             string           `json:"comment"`
			ReceivedDate        string           `json:"receivedDate"`
			UserData            any              `json:"userData"`
			Participants        []fb.Participant `json:"participants"`
			// Omitted when absent, so that keys used before these fields
			// existed still match their retries.
			Status             fb.Status `json:"state,omitempty"`
			SuggestedQueueURIs []string  `json:"suggestedQueueUris,omitempty"`
		}{OperationIntake, cmd.AgentID, typ, cmd.Comment, cmd.ReceivedDate, canonicalObject(cmd.UserData), participants, cmd.Status, cmd.SuggestedQueueURIs}
	case fb.Complete:
		canonical = struct {
			Operation string  `json:"operation"`
			QueueName *string `json:"queueName"`
		}{OperationComplete, cmd.QueueName}
	case fb.UpdateUserData:
		canonical = struct {
			Operation string `json:"operation"`
			UserData  any    `json:"userData"`
		}{cmd.Operation(), canonicalObject(cmd.UserData)}
	default:
		// The others are flat values. Who sends them scopes the key
		// already, and the time a message was received is the service's,
		// not the request's.
		return flatFingerprint(cmd.Operation(), unstamped(cmd))
	}
	return fingerprint(canonical)
}

// flatFingerprint fingerprints a command whose values are flat: its
// operation and its fields as encoded.
func flatFingerprint(operation string, cmd any) (string, error) {
	return fingerprint(struct {
		Operation string `json:"operation"`
		Command   any    `json:"command"`
	}{operation, cmd})
}

// fingerprint is the hex SHA-256 of a request's canonical form.
func fingerprint(canonical any) (string, error) {
	raw, err := json.Marshal(canonical)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:]), nil
}

// unstamped is cmd without the time the service adds to it. Who sent it
// stays: the key is scoped to them already.
func unstamped(cmd fb.Command) fb.Command {
	switch c := cmd.(type) {
	case fb.SendMessage:
		c.At = time.Time{}
		return c
	case fb.CustomerMessage:
		c.At = time.Time{}
		return c
	case fb.PageMessage:
		c.At = time.Time{}
		return c
	case fb.DeleteUserData:
		// The same keys in another order are the same request.
		c.Keys = slices.Sorted(slices.Values(c.Keys))
		return c
	}
	return cmd
}

// canonicalObject is a JSON object with its keys sorted (json.Marshal
// sorts map keys and compacts raw values); not an object is kept as it
// is, for the aggregate to reject.
func canonicalObject(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]json.RawMessage{}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return string(raw)
	}
	return m
}
