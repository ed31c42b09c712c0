package eventstore

import "context"

// Views are the streams' read models: one document per stream, written by
// the append that changed the stream (AppendParams.View), so that a reader
// of views never lags behind a response already sent. The store does not
// look inside a document; it lists views by the key the writer gave.
type Views interface {
	// View returns a stream's view, or ErrNotFound.
	View(ctx context.Context, p *ViewParams) (*StreamView, error)
	// ListViews returns up to p.Limit views listed under p.ListKey after
	// the stream id p.After, in bytewise stream id order.
	ListViews(ctx context.Context, p *ListViewsParams) ([]StreamView, error)
	// ScanViews returns up to p.Limit views after the stream id p.After, in
	// stream id order: a way through every view, for verification.
	ScanViews(ctx context.Context, p *ScanViewsParams) ([]StreamView, error)
	// ReadViews returns the views of the streams p.StreamIDs that have
	// one, in no particular order: a projector's one read for a page.
	ReadViews(ctx context.Context, p *ReadViewsParams) ([]StreamView, error)
	// RebuildViews starts replacing every view: see ViewRebuild.
	RebuildViews(ctx context.Context) (ViewRebuild, error)
}

// View is a stream's read model, kept by the store beside its events.
type View struct {
	// ListKey, when not empty, lists the view under that key (ListViews);
	// an empty key lists it nowhere.
	ListKey string
	// Document is the view itself, a JSON document stored byte for byte.
	Document []byte
	// Detail is a large part of the view that changes seldom, a JSON
	// document stored apart from Document and byte for byte: an append that
	// leaves it as it is (KeepDetail) need not hold it, send it or have the
	// database write it again. How it joins Document is the writer's
	// business. Nil is none.
	Detail []byte
	// KeepDetail, when writing a view, keeps the stored Detail and
	// DetailVersion as they are; Detail and DetailVersion must then be
	// unset. A view written for the first time keeps none: no Detail, and
	// DetailVersion 0, as a view stored whole.
	KeepDetail bool
	// DetailVersion is the stream version as of which Detail is what it is:
	// it has not changed since. A write that gives Detail gives it too, no
	// later than the version the append makes; 0 then stands for that
	// version. Read, it is 0 for a view stored whole, whose Document is the
	// whole view.
	DetailVersion int64
}

// StoredDetailVersion is the DetailVersion an append that makes version
// stores for v when it gives its detail.
func (v *View) StoredDetailVersion(version int64) (int64, error) {
	switch {
	case v.DetailVersion == 0:
		return version, nil
	case v.DetailVersion < 0 || v.DetailVersion > version:
		return 0, errorf("view's detail version %d is not in 1..%d", v.DetailVersion, version)
	}
	return v.DetailVersion, nil
}

// ReadViewsParams are the arguments of Views.ReadViews.
type ReadViewsParams struct {
	// StreamIDs are the streams whose views to read; at most
	// MaxReadViews.
	StreamIDs []string
}

// MaxReadViews caps the streams of one ReadViews.
const MaxReadViews = DefaultFeedLimit

// StreamView is a stored view and the stream version it reflects.
type StreamView struct {
	StreamID string
	Version  int64
	View
}

// ViewParams are the arguments of Views.View.
type ViewParams struct {
	StreamID string
}

// ListViewsParams are the arguments of Views.ListViews.
type ListViewsParams struct {
	// ListKey is the key to list; the empty key lists nothing.
	ListKey string
	// After is the stream id the page starts after; "" starts at the
	// first. Ids compare bytewise, whatever the database's collation, so
	// that a page boundary means the same in every store.
	After string
	// Limit caps the page; 0 means DefaultFeedLimit.
	Limit int
}

// ScanViewsParams are the arguments of Views.ScanViews.
type ScanViewsParams struct {
	// After is the stream id the scan resumes after; "" starts at the
	// beginning.
	After string
	// Limit caps the page; 0 means DefaultFeedLimit.
	Limit int
}

// ViewRebuild fills a fresh view table and then swaps it in. Readers of
// views see the old set until the swap commits, then the new one, never a
// mix; appends that write views wait for the swap.
type ViewRebuild interface {
	// Put writes views into the fresh table, replacing any of the same
	// stream.
	Put(ctx context.Context, views []StreamView) error
	// Swap locks out view writers, asks refold for the views of every
	// stream whose fresh and live versions differ (changed since the
	// rebuild read it, or broken), and replaces the live views with the
	// fresh ones in one transaction.
	Swap(ctx context.Context, refold func(ctx context.Context, streamIDs []string) ([]StreamView, error)) error
	// Abort drops the fresh table; a no-op after Swap.
	Abort()
}
