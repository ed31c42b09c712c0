package httpapi

import (
	"errors"
	"strings"
	"testing"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/seedfixtures"
	"github.com/fbsession/fbsession/transport/gws"
)

// seedBodies are the seed page's request bodies and the fixtures.
func seedBodies(f *testing.F) {
	f.Add([]byte(`{"operationName": "Complete"}`))
	f.Add([]byte(`{"operationName": "Complete", "queueName": "PostProcessingQueue"}`))
	f.Add(seedfixtures.IntakeSeed())
	f.Add(seedfixtures.SeedNotification())
	f.Add([]byte(`{"id":"a.>","agentId":"a1"}`))
	f.Add([]byte(`{"agentId":"a1","userData":{"k":{"n":1}}}`))
	f.Add([]byte("{\"operationName\":\"Complete\",\"queueName\":\"q\xff\"}"))
	f.Add([]byte(strings.Repeat("[", 10000)))
}

// Whatever the body, decoding a Complete either fails with a validation
// error of the API or yields a command the aggregate judges by itself.
func FuzzOperationBody(f *testing.F) {
	seedBodies(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var b operationBody
		if err := gws.DecodeObject(body, &b); err != nil {
			e, _ := toAPIError(err)
			if e.status != 400 || e.code != codeValidation {
				t.Fatalf("decode error %v is not a 400/10", err)
			}
			return
		}
		if b.QueueName == nil {
			return
		}
		err := fb.ValidateQueueName(*b.QueueName)
		if err != nil && !errors.Is(err, fb.ErrInvalid) {
			t.Fatalf("queue validation: %v", err)
		}
		if err == nil && strings.ContainsAny(*b.QueueName, "*>.\x00\n") {
			t.Fatalf("queue name %q accepted", *b.QueueName)
		}
	})
}

// Whatever the intake body, either the API rejects it with 400, or the
// aggregate rejects it as invalid, or it starts a session whose ids are
// safe NATS subject tokens.
func FuzzIntake(f *testing.F) {
	seedBodies(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		cmd, err := gws.ParseIntake(body, func() string { return "generated" })
		if err != nil {
			e, _ := toAPIError(err)
			if e.status != 400 || (e.code != codeValidation && e.code != codeMissingParameter) {
				t.Fatalf("intake error %v is not a 400/10 or 400/1", err)
			}
			return
		}
		events, err := fb.Decide(fb.State{}, cmd)
		if err != nil {
			if !errors.Is(err, fb.ErrInvalid) {
				t.Fatalf("decide: %v", err)
			}
			return
		}
		started := events[0].(fb.SessionStarted)
		for _, id := range []string{started.SessionID, started.AgentID} {
			if !fb.ValidID(id) || strings.ContainsAny(id, ".*> \t\r\n") {
				t.Fatalf("unsafe id %q accepted", id)
			}
		}
	})
}
