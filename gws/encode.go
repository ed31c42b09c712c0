package gws

import (
	"encoding/json"

	"github.com/fbsession/fbsession/internal/jsonsplice"
)

// EncodeNotification is json.Marshal of a notification body, but for the
// resource's user data: a state holds it as encoding/json writes it
// (fb.Canonical), so it is spliced in as it is rather than scanned again
// for every notification of every change.
func EncodeNotification(body any) ([]byte, error) {
	n, ok := body.(Notification)
	if !ok || len(n.Facebooksession.UserData) == 0 {
		return json.Marshal(body)
	}
	userData := n.Facebooksession.UserData
	n.Facebooksession.UserData = json.RawMessage(jsonsplice.Placeholder)
	marshaled, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	return jsonsplice.Splice(marshaled, "userData", userData)
}

// encodeResource is json.Marshal of a resource, its user data spliced in.
func encodeResource(r Resource) ([]byte, error) {
	userData := r.UserData
	if len(userData) == 0 {
		return json.Marshal(r)
	}
	r.UserData = json.RawMessage(jsonsplice.Placeholder)
	marshaled, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return jsonsplice.Splice(marshaled, "userData", userData)
}
