// Package sessionlog is how a facebooksession lives in the event log: its
// stream's name, the stored form of its events (JSON, byte for byte what the
// hash chain covers), the metadata each append records about who caused it,
// and the fold of stored records back into the aggregate's state.
//
// It is the one place that knows both the domain and the store, so that the
// domain stays free of encodings and the store free of fbsession's business;
// commands write with it, projections and audit tools read with it.
package sessionlog
