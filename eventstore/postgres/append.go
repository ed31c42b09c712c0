package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fbsession/fbsession/eventstore"
)

// querier is what an append needs of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if s.commits != nil && batchable(p) {
		return s.commits.append(ctx, p)
	}
	return s.appendAlone(ctx, p)
}

// appendAlone appends in a statement of its own. The caller's context
// bounds the wait for a connection; the statement, which commits, runs
// under commitContext on its own goroutine, and a caller whose context
// ends first is answered that the outcome is unknown (see outcomeUnknown).
func (s *Store) appendAlone(ctx context.Context, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	// The connection first, then the stamp: recorded_at is then when the
	// write began, not when it started waiting for a connection.
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, interpretError(fmt.Errorf("append to %s: %w", p.StreamID, err))
	}
	if ctx.Done() == nil {
		return s.commitAlone(ctx, conn, p)
	}
	done := make(chan appendOutcome, 1)
	go func() {
		res, err := s.commitAlone(ctx, conn, p)
		done <- appendOutcome{res: res, err: err}
	}()
	select {
	case out := <-done:
		return out.res, out.err
	case <-ctx.Done():
		select {
		case out := <-done: // answered meanwhile: that answer holds
			return out.res, out.err
		default:
			return nil, outcomeUnknown(p, ctx.Err())
		}
	}
}

// commitAlone runs an append on conn, which it releases, under
// commitContext.
func (s *Store) commitAlone(ctx context.Context, conn *pgxpool.Conn, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	cctx, done := s.commitContext(ctx, conn)
	res, err := s.append(cctx, conn, p)
	done()
	conn.Release() // before a lost race's head is read, on another connection
	if err != nil {
		return nil, s.withActual(cctx, p, err)
	}
	s.appended()
	return res, nil
}

// commitContext is the context of a statement that commits on conn: ctx's
// values without its cancellation, and no bound. PostgreSQL answers a
// cancelled wait for a synchronous standby with a warning and leaves the
// transaction committed on the primary alone, visible to every reader,
// and lost if the primary fails before the standby has it: nothing may
// send it a cancel. A bound would: pgx sends a CancelRequest whenever it
// gives a connection up mid-statement, on a deadline or a broken read.
// So a commit waits as long as its standby does, holding its connection;
// the caller is answered at its own deadline (docs/HA.md). done is for
// the day a bound that does not cancel exists; call it before conn is
// released.
func (s *Store) commitContext(ctx context.Context, _ *pgxpool.Conn) (cctx context.Context, done func()) {
	return context.WithoutCancel(ctx), func() {}
}

// outcomeUnknown is the answer to an append whose caller stopped waiting
// once it was sent: it may yet commit. It matches ErrUnavailable (a 503)
// and the context's error.
func outcomeUnknown(p *eventstore.AppendParams, cause error) error {
	return fmt.Errorf("append to %s: %w: outcome unknown, the commit goes on: %w", p.StreamID, eventstore.ErrUnavailable, cause)
}

// claimedHead is the hash an append's events chain to and whether the
// statement checks it, when the caller claims the stream's head (a new
// stream has none to claim); otherwise the head is read first.
func claimedHead(p *eventstore.AppendParams) (prev []byte, guarded bool) {
	if p.ExpectedVersion != eventstore.NoStream && len(p.Head) == eventstore.HashSize {
		return p.Head, true
	}
	return nil, false
}

// append inserts the events through q. Without a transaction the INSERT
// commits on its own; with one, the caller commits.
func (s *Store) append(ctx context.Context, q querier, p *eventstore.AppendParams) (*eventstore.AppendResult, error) {
	prev, guarded := claimedHead(p)
	if !guarded && p.ExpectedVersion != eventstore.NoStream {
		var head int64
		err := q.QueryRow(ctx, headSQL, p.StreamID).Scan(&head, &prev)
		if errors.Is(err, pgx.ErrNoRows) {
			head = 0
		} else if err != nil {
			return nil, interpretError(fmt.Errorf("read head of %s: %w", p.StreamID, err))
		}
		if head != p.ExpectedVersion {
			return nil, &eventstore.ConcurrencyError{StreamID: p.StreamID, Expected: p.ExpectedVersion, Actual: head}
		}
	}

	st, err := s.appendStatement(p, prev, guarded)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, st.sql, st.args...)
	if err != nil {
		return nil, appendError(p, err)
	}
	return st.result(rows)
}

// appendStatement is an append sealed and made one statement, ready to
// send alone or in a batch (groupcommit.go).
type appendStatement struct {
	p       *eventstore.AppendParams
	events  []eventstore.RecordedEvent
	guarded bool
	sql     string
	args    []any
}

// appendStatement seals p's events after prev, the hash of the stream's
// head (nil for a new stream), and builds the statement that inserts them;
// guarded, it checks in the same statement that the head is p.Head.
func (s *Store) appendStatement(p *eventstore.AppendParams, prev []byte, guarded bool) (*appendStatement, error) {
	events, err := eventstore.Seal(p, prev, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, len(events)*9+9) // events, head check, view
	for i := range events {
		e := &events[i]
		// The id as pgtype.UUID is sent in binary; uuid.UUID, a
		// driver.Valuer, would be formatted as text and parsed back.
		args = append(args, e.StreamID, e.Version, pgtype.UUID{Bytes: e.ID, Valid: true}, e.Type, e.SchemaVersion,
			e.Data, e.Metadata, e.RecordedAt, e.Hash)
	}
	if guarded {
		args = append(args, p.StreamID, p.ExpectedVersion, p.Head)
	}
	if v := p.View; v != nil {
		args = append(args, p.StreamID, events[len(events)-1].Version, v.ListKey, v.Document)
		if !v.KeepDetail {
			detailVersion, err := v.StoredDetailVersion(events[len(events)-1].Version)
			if err != nil {
				return nil, err
			}
			args = append(args, v.Detail, detailVersion) // a nil detail is NULL
		}
	}
	sql := s.appendSQL(appendShape{events: len(events), guarded: guarded, view: p.View != nil,
		keepDetail: p.View != nil && p.View.KeepDetail})
	return &appendStatement{p: p, events: events, guarded: guarded, sql: sql, args: args}, nil
}

// result reads what the statement returned: each event's position and
// transaction.
func (st *appendStatement) result(rows pgx.Rows) (*eventstore.AppendResult, error) {
	events, p := st.events, st.p
	var err error
	i := 0
	for rows.Next() {
		if i < len(events) {
			err = rows.Scan(&events[i].Position, &events[i].Commit)
		}
		i++
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, appendError(p, err)
	}
	if i == 0 && st.guarded {
		return nil, appendError(p, errStaleHead)
	}
	if i != len(events) {
		return nil, fmt.Errorf("append to %s: %d rows returned for %d events", p.StreamID, i, len(events))
	}
	return &eventstore.AppendResult{Events: events}, nil
}

// errStaleHead is a guarded append that inserted nothing: the claimed head
// is not the stream's, which is shorter than expected.
var errStaleHead = fmt.Errorf("%w: the stream's head is not the one claimed", eventstore.ErrConcurrency)

// appendError turns an insert failure into the store's errors.
func appendError(p *eventstore.AppendParams, err error) error {
	return interpretError(fmt.Errorf("append to %s: %w", p.StreamID, err))
}

// withActual makes a lost race's error tell the stream's actual version,
// read again.
func (s *Store) withActual(ctx context.Context, p *eventstore.AppendParams, err error) error {
	var known *eventstore.ConcurrencyError
	if !errors.Is(err, eventstore.ErrConcurrency) || errors.As(err, &known) {
		return err
	}
	actual := int64(-1)
	var prev []byte
	if qerr := s.pool.QueryRow(ctx, headSQL, p.StreamID).Scan(&actual, &prev); qerr != nil {
		actual = -1
	}
	return &eventstore.ConcurrencyError{StreamID: p.StreamID, Expected: p.ExpectedVersion, Actual: actual}
}

// appendShape is what an append statement's text depends on.
type appendShape struct {
	events                    int
	guarded, view, keepDetail bool
}

// appendSQL returns the statement of an append of that shape, built once:
// a Complete is always the same few shapes. Every shape begins with
// markSQL: no append reaches the table without the feed lock.
func (s *Store) appendSQL(k appendShape) string {
	if sql, ok := s.appendSQLs.Load(k); ok {
		return sql.(string)
	}
	nargs := 9 * k.events
	sql := insertSQL(k.events)
	if k.guarded {
		sql = guardedInsertSQL(k.events, nargs)
		nargs += 3
	}
	if k.view {
		detail, update := fmt.Sprintf("$%d, $%d", nargs+6, nargs+5), writeDetailSQL
		if k.keepDetail {
			detail, update = keepDetailSQL, ""
		}
		sql = markSQL + fmt.Sprintf(withViewSQL, sql, nargs+1, nargs+2, nargs+3, nargs+4, detail, update)
	} else {
		sql = markSQL + " " + sql
	}
	s.appendSQLs.Store(k, sql)
	return sql
}

// insertSQL is a multi-row INSERT of n events, without its WITH mark: one
// statement, one round trip, atomic without an explicit transaction.
func insertSQL(n int) string {
	return insertColumns + eventRows(n) + insertValuesEnd + insertReturning
}

// guardedInsertSQL is insertSQL for a stream whose head the caller claims,
// filtered by the head check, whose parameters follow the events'.
func guardedInsertSQL(n, nargs int) string {
	return insertColumns + eventRows(n) + insertValuesEnd +
		fmt.Sprintf(guardSQL, nargs+1, nargs+2, nargs+3) + insertReturning
}

// eventRows is the typed VALUES rows of n events, $1 to $9n.
func eventRows(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i*9 + j + 1))
			b.WriteString("::" + eventColumnTypes[j])
		}
		b.WriteByte(')')
	}
	return b.String()
}
