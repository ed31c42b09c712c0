package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fbsession/fbsession/agentlog"
	as "github.com/fbsession/fbsession/domain/agentstate"
	"github.com/fbsession/fbsession/eventstore"
	"github.com/fbsession/fbsession/users"
)

// agents is the agentstate aggregate as a Service runs it: an agent's
// channels, one stream per agent.
type agents struct {
	directory Agents // nil: any valid id is an agent
}

var _ Keeper[as.State, as.Command] = agents{}

func (agents) StreamID(id string) string { return agentlog.StreamID(id) }

func (agents) Evolve(s as.State, rec *eventstore.RecordedEvent) (as.State, error) {
	return agentlog.Evolve(s, rec)
}

func (agents) Validate(cmd as.Command) error { return as.Validate(cmd) }

// Authorize applies the domain's rule, then asks the directory whether
// the agent a supervisor controls is one: a supervisor's typo must not
// start a stream for nobody. An administrator's SetCapacity is not asked
// about: fbsessionctl checks the user is an agent, and may configure one
// who is disabled or not yet given api-multimedia.
func (a agents) Authorize(ctx context.Context, _ as.State, cmd as.Command) error {
	if err := as.Authorize(cmd); err != nil {
		return err
	}
	from := cmd.From()
	if !from.Supervisor || a.directory == nil {
		return nil
	}
	err := a.directory.RequireAgent(ctx, from.Agent)
	if errors.Is(err, users.ErrNotAgent) {
		return fmt.Errorf("%w: %w", as.ErrUnknownAgent, err)
	}
	return err
}

func (agents) Decide(s as.State, cmd as.Command, _ time.Time) (Decision[as.State], error) {
	events, err := as.Decide(s, cmd)
	if err != nil {
		return Decision[as.State]{}, err
	}
	d := Decision[as.State]{Events: make([]eventstore.EventData, len(events)), After: s}
	for i, e := range events {
		if d.Events[i], err = agentlog.EventData(e); err != nil {
			return Decision[as.State]{}, err
		}
		d.After = as.Evolve(d.After, e)
	}
	return d, nil
}

// Fingerprint hashes the command as decoded: its values are flat, and
// who sends it is part of the request.
func (agents) Fingerprint(cmd as.Command) (string, error) {
	return flatFingerprint(cmd.Operation(), cmd)
}

// Keep keeps every agent's channels: a handful of small values, read by
// each GET /me/channels.
func (agents) Keep(s as.State) (as.State, bool) { return s, true }

// Lacks makes a SetCapacity read the stream: one that finds the capacity
// already set appends nothing, so no head check would catch a kept state
// that another process made stale. An administrator's command is rare.
func (agents) Lacks(_ as.State, cmd as.Command) bool {
	return cmd.Operation() == as.OperationSetCapacity
}

func (agents) Size(s as.State) int {
	n := 64
	for _, c := range s.Channels {
		n += 64 + len(c.Name) + len(c.ReasonCode)
	}
	if s.Capacities != nil {
		n += 48 // the map's header and buckets
		for ch := range s.Capacities {
			n += 32 + len(ch)
		}
	}
	return n
}

// AgentHandler runs the agentstate commands: an agent's contact center
// session and channel states, supervisors' control of them, and
// administrators' SetCapacity. Safe for concurrent use.
type AgentHandler struct {
	service *Service[as.State, as.Command]
}

// NewAgentHandler returns a handler on store. WithAgents makes
// supervisors control only the agents the directory accepts.
func NewAgentHandler(store Store, opts ...Option) *AgentHandler {
	cfg := newConfig(opts)
	cfg.metrics = nil // the sessions' series; agents' conflicts are not counted
	return &AgentHandler{service: newService[as.State, as.Command](store, agents{directory: cfg.agents}, cfg)}
}

// Execute carries out cmd on the channels of the agent it names.
func (h *AgentHandler) Execute(ctx context.Context, r Request, cmd as.Command) (Outcome[as.State], error) {
	return h.service.Execute(ctx, r, cmd.From().Agent, cmd)
}

// Channels is the agent's channels as the log has them now.
func (h *AgentHandler) Channels(ctx context.Context, agentID string) (as.State, error) {
	return h.service.Read(ctx, agentID)
}
