package systemtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The users of the failover load: the integration user, and an agent per
// client (a<i>, agent<i>).
const (
	routerUser, routerPassword = "router", "router secret"
	agentPassword              = "correct horse"
)

// seedLifeLoad adds the integration user and the clients' agents.
func (s *service) seedLifeLoad(dbURL string, clients int) {
	s.t.Helper()
	s.cli(dbURL, routerPassword+"\n", "users", "add", routerUser, "--name", routerUser, "--role", "integration", "--password-stdin")
	for i := range clients {
		s.cli(dbURL, agentPassword+"\n", "users", "add", fmt.Sprintf("a%d", i), "--name", fmt.Sprintf("agent%d", i),
			"--role", "agent", "--feature", "api-multimedia", "--password-stdin")
	}
}

// acked is a change a client was told was made: a 2xx answer.
type acked struct {
	session, op string
	referenceID int64 // 0 for intake, which answers none
}

// lifeLoad is the failover tests' load: clients, each with its agent,
// taking sessions one after the other through intake, Accept,
// CustomerMessage, SendMessage and Complete, each request with an
// Idempotency-Key and sent again with it on a 5xx or a broken connection,
// as the API tells clients to (docs/API.md §3.3). Any other answer ends
// the session for its client, who starts the next.
type lifeLoad struct {
	s      *service
	client *http.Client
	stop   atomic.Bool
	wg     sync.WaitGroup
	// crashed is when the primary was stopped (UnixNano), 0 before;
	// recovered when the first change made after it was acknowledged.
	crashed, recovered atomic.Int64
	attempts, retried  atomic.Int64

	mu      sync.Mutex
	acked   []acked
	refused map[string]int // answers that end a session, by operation and status
}

// step is one request of a session's life.
type step struct {
	op, path, user, password, body string
}

// life is session id's steps for agent i.
func life(id string, i int) []step {
	agent, user := fmt.Sprintf("a%d", i), fmt.Sprintf("agent%d", i)
	me := "/api/v2/me/facebooksessions/" + id
	return []step{
		{"intake", "/api/v2/facebooksessions", routerUser, routerPassword,
			fmt.Sprintf(`{"id":%q,"agentId":%q,"participants":[{"nickname":"Customer","type":"Customer","id":"c-%s"}]}`, id, agent, id)},
		{"Accept", me, user, agentPassword, `{"operationName":"Accept"}`},
		{"CustomerMessage", "/api/v2/facebooksessions/" + id, routerUser, routerPassword, `{"operationName":"CustomerMessage","text":"Hello, is anyone there?"}`},
		{"SendMessage", me, user, agentPassword, `{"operationName":"SendMessage","text":"Hello! How can I help?"}`},
		{"Complete", me, user, agentPassword, `{"operationName":"Complete"}`},
	}
}

// startLifeLoad starts clients on s.
func startLifeLoad(s *service, clients int) *lifeLoad {
	l := &lifeLoad{s: s, refused: map[string]int{}, client: &http.Client{
		// Longer than any answer (the API's deadline is 1.5 s): a request
		// that outlasts it is given up and sent again, as a client would.
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 2 * clients},
	}}
	for i := range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; !l.stop.Load(); n++ {
				l.live(fmt.Sprintf("c%d-%d", i, n), i)
			}
		}()
	}
	return l
}

// live takes session id through its life, until an answer ends it or
// the load stops.
func (l *lifeLoad) live(id string, i int) {
	for _, st := range life(id, i) {
		for {
			if l.stop.Load() {
				return
			}
			sent := time.Now()
			status, body := l.send(st, id)
			if status == 0 || status >= 500 {
				l.retried.Add(1)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if status/100 != 2 {
				l.mu.Lock()
				l.refused[fmt.Sprintf("%s %d", st.op, status)]++
				l.mu.Unlock()
				return
			}
			a := acked{session: id, op: st.op}
			if st.op != "intake" {
				var r struct{ ReferenceID int64 }
				if err := json.Unmarshal([]byte(body), &r); err != nil || r.ReferenceID <= 0 {
					l.mu.Lock()
					l.refused[fmt.Sprintf("%s %d without a referenceId", st.op, status)]++
					l.mu.Unlock()
					return
				}
				a.referenceID = r.ReferenceID
			}
			if c := l.crashed.Load(); c != 0 && sent.UnixNano() > c {
				l.recovered.CompareAndSwap(0, time.Now().UnixNano())
			}
			l.mu.Lock()
			l.acked = append(l.acked, a)
			l.mu.Unlock()
			break
		}
	}
}

// send makes one attempt at a step; status 0 when there was no answer.
func (l *lifeLoad) send(st step, id string) (int, string) {
	l.attempts.Add(1)
	req, err := http.NewRequest(http.MethodPost, l.s.base+st.path, strings.NewReader(st.body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "life-"+st.op)
	req.SetBasicAuth(st.user, st.password)
	res, err := l.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	return res.StatusCode, string(b)
}

// markCrash records that the primary was stopped now.
func (l *lifeLoad) markCrash() { l.crashed.Store(time.Now().UnixNano()) }

// recovery is how long after the crash the first change made after it
// was acknowledged; 0 if none was.
func (l *lifeLoad) recovery() time.Duration {
	r := l.recovered.Load()
	if r == 0 {
		return 0
	}
	return time.Duration(r - l.crashed.Load())
}

// finish stops the clients and waits for them.
func (l *lifeLoad) finish(t *testing.T) {
	t.Helper()
	l.stop.Store(true)
	l.wg.Wait()
	l.client.CloseIdleConnections()
}
