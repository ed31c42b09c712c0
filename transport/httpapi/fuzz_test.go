package httpapi

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/gws"
	"github.com/fbsession/fbsession/internal/seedfixtures"
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
	for _, body := range []string{
		`{"operationName":"Accept"}`,
		`{"operationName":"Accept","nickname":"Agent Smith"}`,
		`{"operationName":"Reject"}`,
		`{"operationName":"SendMessage","text":"Hello, how can I help?"}`,
		`{"operationName":"SendStartTypingNotification"}`,
		`{"operationName":"SendStopTypingNotification"}`,
		`{"operationName":"Transfer","targetUri":"http://gws:8090/api/v2/users/a2"}`,
		`{"operationName":"Transfer","queueName":"Social.Media.Queue"}`,
		`{"operationName":"Transfer","targetUri":"/api/v2/users/a.>","queueName":"q"}`,
		`{"operationName":"Leave"}`,
		`{"operationName":"InFocus"}`,
		`{"operationName":"UpdateUserData","userData":{"Segment":"gold","Score":3}}`,
		`{"operationName":"DeleteUserData","keys":["Segment","Score"]}`,
		`{"operationName":"DeleteUserData","keys":[1]}`,
		`{"operationName":"CustomerMessage","text":"hi","nickname":"VitaliyOnv"}`,
		`{"operationName":"CustomerLeft"}`,
		`{"operationName":"Route","agentId":"a2"}`,
		`{"id":"s1","agentId":"a1","state":"Chatting","suggestedQueueUris":["http://gws/api/v2/queues/Q"]}`,
	} {
		f.Add([]byte(body))
	}
}

// Whatever the body, an operation either fails with a 400 (10, or 1 for
// a missing parameter) of the API, or yields a command that the aggregate
// judges by itself: valid, or an fb.ErrInvalid 400/10, never anything
// else, and a queue name or a target it takes is safe.
func FuzzOperationBody(f *testing.F) {
	seedBodies(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		op, err := gws.DecodeOperation(body)
		if err != nil {
			requireBadRequest(t, err)
			return
		}
		for _, build := range []func() (fb.Command, error){
			func() (fb.Command, error) { return op.AgentCommand("a1", "agent1") },
			op.IntegrationCommand,
		} {
			cmd, err := build()
			if err != nil {
				requireBadRequest(t, err)
				continue
			}
			err = fb.Validate(cmd)
			if err != nil {
				if !errors.Is(err, fb.ErrInvalid) {
					t.Fatalf("validate %T: %v", cmd, err)
				}
				continue
			}
			switch c := cmd.(type) {
			case fb.Complete:
				if c.QueueName != nil && strings.ContainsAny(*c.QueueName, "\x00\n\u202e") {
					t.Fatalf("queue name %q accepted", *c.QueueName)
				}
			case fb.Transfer:
				if c.TargetAgent != "" && !fb.ValidID(c.TargetAgent) {
					t.Fatalf("target %q accepted", c.TargetAgent)
				}
			case fb.Route:
				if !fb.ValidID(c.AgentID) {
					t.Fatalf("agent %q accepted", c.AgentID)
				}
			}
		}
	})
}

// requireBadRequest fails unless err is answered 400 with code 10 or 1.
func requireBadRequest(t *testing.T, err error) {
	t.Helper()
	e, _ := toAPIError(err)
	if e.status != 400 || (e.code != codeValidation && e.code != codeMissingParameter) {
		t.Fatalf("error %v is not a 400/10 or 400/1", err)
	}
}

// Whatever the ?fields value, it is a selection of the resource's fields
// or a 400/10, and a selection gives a JSON object of only those fields.
func FuzzFields(f *testing.F) {
	for _, q := range []string{"", "*", "id", "id,uri,state", "id,,uri", "ID", "comment,*", strings.Repeat("id,", 1000)} {
		f.Add(q)
	}
	resource := gws.ResourceOf(fb.State{ID: "s1", AgentID: "a1", Status: fb.StatusChatting, Comment: "c"}, "http://x")
	f.Fuzz(func(t *testing.T, q string) {
		fields, err := gws.ParseFields(q)
		if err != nil {
			requireBadRequest(t, err)
			return
		}
		raw, err := json.Marshal(resource.Select(fields))
		if err != nil {
			t.Fatalf("select %q: %v", q, err)
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("select %q gave %s: %v", q, raw, err)
		}
		for name := range got {
			if !fields.All() && !slices.Contains(strings.Split(q, ","), name) {
				t.Fatalf("select %q gave %s", q, name)
			}
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
		events, err := fb.Handle(fb.State{}, cmd)
		if err != nil {
			if !errors.Is(err, fb.ErrInvalid) {
				t.Fatalf("decide: %v", err)
			}
			return
		}
		started := events[0].(fb.SessionStarted)
		ids := []string{started.SessionID, started.AgentID}
		if started.QueueName != "" {
			// Queued: no agent, and the queue is never a subject token.
			if started.AgentID != "" || started.Status != fb.StatusCompleted {
				t.Fatalf("a session queued to %q started %s with agent %q", started.QueueName, started.Status, started.AgentID)
			}
			ids = ids[:1]
		}
		for _, id := range ids {
			if !fb.ValidID(id) || strings.ContainsAny(id, ".*> \t\r\n") {
				t.Fatalf("unsafe id %q accepted", id)
			}
		}
	})
}
