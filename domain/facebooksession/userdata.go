package facebooksession

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json/jsontext"
)

// member is one key and its raw value in a user data object.
type member struct {
	name  string
	value jsontext.Value
}

// members reads a user data object in its order. Empty is {}.
func members(raw []byte) ([]member, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, fmt.Errorf("%w: userData must be a JSON object", ErrInvalid)
	}
	var out []member
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, userDataSyntax(err)
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, userDataSyntax(err)
		}
		out = append(out, member{name, slices.Clone(val)})
	}
	return out, nil
}

// object writes members back as one compact object.
func object(ms []member) ([]byte, error) {
	var buf bytes.Buffer
	enc := jsontext.NewEncoder(&buf, jsontext.PreserveRawStrings(true))
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return nil, err
	}
	for _, m := range ms {
		if err := enc.WriteToken(jsontext.String(m.name)); err != nil {
			return nil, err
		}
		if err := enc.WriteValue(m.value); err != nil {
			return nil, err
		}
	}
	if err := enc.WriteToken(jsontext.EndObject); err != nil {
		return nil, err
	}
	return Canonical(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// Canonical is user data as encoding/json writes a json.RawMessage:
// compact, with <, >, &, U+2028 and U+2029 escaped. The log has always
// held it so; kept so in a state, it is copied into the view and the
// notifications as it is, which are then the bytes the log folds to,
// without being scanned again at every change. Not JSON, it is returned
// as it is, for validation to refuse.
func Canonical(raw []byte) []byte {
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return raw
	}
	var escaped bytes.Buffer
	escaped.Grow(compact.Len())
	json.HTMLEscape(&escaped, compact.Bytes())
	return escaped.Bytes()
}

// mergeUserData sets patch's keys on current: a key already there keeps
// its place with the new value, a new one is added at the end, so that the
// object reads as the desktop last saw it.
func mergeUserData(current, patch []byte) ([]byte, error) {
	have, err := members(current)
	if err != nil {
		return nil, err
	}
	set, err := members(patch)
	if err != nil {
		return nil, err
	}
	for _, m := range set {
		if i := slices.IndexFunc(have, func(h member) bool { return h.name == m.name }); i >= 0 {
			have[i].value = m.value
		} else {
			have = append(have, m)
		}
	}
	return object(have)
}

// deleteUserData removes keys from current; keys it lacks are no error.
func deleteUserData(current []byte, keys []string) ([]byte, error) {
	have, err := members(current)
	if err != nil {
		return nil, err
	}
	have = slices.DeleteFunc(have, func(m member) bool { return slices.Contains(keys, m.name) })
	return object(have)
}

// UserDataKeys are the keys of a user data object, in its order; nil for
// what is not one. Audits and watch name them without their values.
func UserDataKeys(raw []byte) []string {
	ms, err := members(raw)
	if err != nil {
		return nil
	}
	keys := make([]string, len(ms))
	for i, m := range ms {
		keys[i] = m.name
	}
	return keys
}

// UsesUserData tells whether deciding cmd, or folding what it decides,
// reads the session's user data. A caller may decide any other command on
// a state whose user data it dropped to save memory: the events are the
// same, and so is the state they make, but for the user data, which they
// leave as it was.
func UsesUserData(cmd Command) bool {
	switch cmd.(type) {
	case UpdateUserData, DeleteUserData:
		return true
	}
	// Start sets the user data of a new session, whose state has none to
	// drop, and is refused on one that exists.
	return false
}

// SetsUserData tells whether an event of the type sets the session's user
// data: the user data as of a version is the one the last such event up
// to it made.
func SetsUserData(eventType string) bool {
	switch eventType {
	case TypeSessionStarted, TypeUserDataUpdated, TypeUserDataDeleted:
		return true
	}
	return false
}
