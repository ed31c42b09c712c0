package ctl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/config"
	"github.com/fbsession/fbsession/cmd/internal/ctl"
	"github.com/fbsession/fbsession/commands"
	fb "github.com/fbsession/fbsession/domain/facebooksession"
	"github.com/fbsession/fbsession/internal/storetest"
)

// runBoth runs fbsessionctl as run does and returns stderr too.
func runBoth(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &ctl.CLI{Out: &out, Err: &errOut, In: strings.NewReader("")}
	cmd := c.Command()
	cmd.SetArgs(append(args, "--data-dir", dir, "--database-url", "", "--bcrypt-cost", "4", "--log-level", "error"))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// live gives the embedded store in dir a session's whole life, through
// the command handler as the API does, and returns the events appended.
func live(t *testing.T, dir, id string) int {
	t.Helper()
	ctx := context.Background()
	b, err := backend.Open(ctx, &config.Config{DataDir: dir, BcryptCost: 4}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	defer b.Close()
	_, err = b.Migrate(ctx)
	require.NoError(t, err)
	h := commands.NewHandler(b.Store)
	customer := fb.Participant{Nickname: "Vitaliy\u202eOnv", Type: fb.ParticipantCustomer, ID: "c1", Visibility: fb.VisibilityAll, ParticipantID: "c1"}
	// Intake checks nicknames now; older logs hold such ones.
	storetest.StartUnchecked(t, b.Store, fb.Start{SessionID: id, AgentID: "a1", Participants: []fb.Participant{customer}, UserData: json.RawMessage(`{"k":"v"}`)})
	for _, op := range []struct {
		actor string
		cmd   fb.Command
	}{
		{"a1", fb.Accept{By: "a1", Nickname: "Anna"}},
		{"router", fb.CustomerMessage{Text: "Hello,\nmy order is late"}},
		{"a1", fb.SendMessage{By: "a1", Text: strings.Repeat("Let me look. ", 10)}},
		{"a1", fb.StartTyping{By: "a1"}},
		{"a1", fb.Transfer{By: "a1", TargetAgent: "a2"}},
		{"a2", fb.Accept{By: "a2", Nickname: "Bob"}},
		{"a2", fb.UpdateUserData{By: "a2", UserData: json.RawMessage(`{"x":1}`)}},
		{"a2", fb.DeleteUserData{By: "a2", Keys: []string{"k"}}},
		{"a2", fb.InFocus{By: "a2"}},
		{"router", fb.CustomerLeft{}},
		{"a2", fb.Complete{By: "a2"}},
	} {
		_, err := h.Operate(ctx, commands.Request{Actor: op.actor}, id, op.cmd)
		require.NoError(t, err, "%T", op.cmd)
	}
	return 12
}

// The audit commands on a whole life: history tells each event in a line,
// escaping what clients wrote; state shows the session and its transcript
// at each version; verify, rebuild and export cover every event.
func TestAuditCommandsOnTheWholeLife(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	events := live(t, dir, "life")

	out, err := run(t, dir, "", "history", "life")
	require.NoError(t, err)
	t.Logf("fbsessionctl history life:\n%s", out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, events+1, "a header and a line per event: no text breaks a line")
	require.Contains(t, lines[0], "WHAT")
	for i, want := range []string{
		`SessionStarted  router`, `OfferAccepted  a1`, `CustomerMessageReceived  router`, `AgentMessageSent  a1`,
		`AgentTypingStarted  a1`, `TransferredToAgent  a1`, `OfferAccepted  a2`, `UserDataUpdated  a2`,
		`UserDataDeleted  a2`, `SessionFocused  a2`, `SessionEnded  router`, `InteractionCompleted  a2`,
	} {
		require.Contains(t, strings.Join(strings.Fields(lines[i+1]), "  "), want, "line %d", i+1)
		require.Contains(t, lines[i+1], " ok ", "line %d", i+1)
	}
	for i, want := range map[int]string{
		1:  `Invited to a1; participants: "Vitaliy\u202eOnv" (Customer)`,
		2:  `a1 joined as "Anna"`,
		3:  `#1 Customer "Vitaliy\u202eOnv": "Hello,\u000amy order is late"`,
		4:  `#2 Agent "Anna": "Let me look. Let me look. Let me look. Let me look. Let me …"`,
		5:  `a1 started typing`,
		6:  `transfer a1 -> a2 (offered)`,
		8:  `userData set: x`,
		9:  `userData deleted: k`,
		10: `in focus on a2's desktop`,
		11: `the customer ended the Facebook session and left`,
		12: `interaction completed`,
	} {
		require.True(t, strings.HasSuffix(lines[i], want), "line %d: %s", i, lines[i])
	}

	out, err = run(t, dir, "", "history", "life", "--json")
	require.NoError(t, err)
	var entries []audit.Entry
	require.NoError(t, json.Unmarshal([]byte(out), &entries))
	require.Len(t, entries, events)
	require.Equal(t, "#1 Customer \"Vitaliy\u202eOnv\": \"Hello,\nmy order is late\"", entries[2].Summary, "JSON decodes to the stored text")
	require.NotContains(t, out, "\u202e", "but shows it escaped")

	for _, tc := range []struct {
		version        string
		state, summary string
	}{
		{"1", "Invited", `version 1 of `},
		{"4", "Chatting", `: Chatting, agent a1, 2 participants ("Vitaliy\u202eOnv" Customer, "Anna" Agent), 2 messages`},
		{"6", "Invited", `: Invited, agent a2, 1 participants ("Vitaliy\u202eOnv" Customer), 2 messages`},
		{"7", "Chatting", `: Chatting, agent a2, 2 participants ("Vitaliy\u202eOnv" Customer, "Bob" Agent), 2 messages`},
		{"11", "Chatting", `: Chatting, agent a2, 1 participants ("Bob" Agent), 2 messages, Facebook session ended`},
		{"12", "Completed", `: Completed, agent a2, 1 participants ("Bob" Agent), 2 messages, Facebook session ended`},
	} {
		out, stderr, err := runBoth(t, dir, "state", "life", "--version", tc.version)
		require.NoError(t, err)
		require.Contains(t, out, `"state": "`+tc.state+`"`, "version %s", tc.version)
		require.Contains(t, stderr, "version "+tc.version+" of ", "version %s", tc.version)
		require.Contains(t, stderr, tc.summary, "version %s", tc.version)
	}
	out, _, err = runBoth(t, dir, "state", "life", "--version", "9")
	require.NoError(t, err)
	var resource struct {
		UserData     map[string]any `json:"userData"`
		Capabilities []string       `json:"capabilities"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &resource))
	require.Equal(t, map[string]any{"x": float64(1)}, resource.UserData)
	require.Equal(t, fb.StatusChatting.Capabilities(), resource.Capabilities)

	out, _, err = runBoth(t, dir, "state", "life", "--version", "3", "--messages")
	require.NoError(t, err)
	var transcript struct {
		Messages []struct {
			Index int    `json:"index"`
			Text  string `json:"text"`
			From  struct {
				Nickname, Type string
			} `json:"from"`
			Type string `json:"type"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &transcript))
	require.Len(t, transcript.Messages, 1)
	require.Equal(t, "Hello,\nmy order is late", transcript.Messages[0].Text)
	require.Equal(t, "Customer", transcript.Messages[0].From.Type)
	require.Equal(t, "Text", transcript.Messages[0].Type)
	require.NotContains(t, out, "\u202e")

	out, err = run(t, dir, "", "verify")
	require.NoError(t, err)
	require.Contains(t, out, "streams 1, events 12, read model rows 1")
	require.Contains(t, out, "OK: every hash chain verifies")
	out, err = run(t, dir, "", "rebuild")
	require.NoError(t, err)
	require.Contains(t, out, "rebuilt 1 sessions from 12 events")
	out, err = run(t, dir, "", "verify")
	require.NoError(t, err)
	require.Contains(t, out, "OK: every hash chain verifies")

	out, err = run(t, dir, "", "export")
	require.NoError(t, err)
	require.Equal(t, events, strings.Count(out, "\n"))
	for _, typ := range []string{fb.TypeSessionStarted, fb.TypeOfferAccepted, fb.TypeCustomerMessageReceived, fb.TypeAgentMessageSent,
		fb.TypeAgentTypingStarted, fb.TypeTransferredToAgent, fb.TypeUserDataUpdated, fb.TypeUserDataDeleted, fb.TypeSessionFocused,
		fb.TypeSessionEnded, fb.TypeInteractionCompleted} {
		require.Contains(t, out, `"type":"`+typ+`"`)
	}
}
