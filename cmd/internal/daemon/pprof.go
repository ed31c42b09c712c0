package daemon

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofHandler serves Go's profiles on a mux of its own, never on the
// API's.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	return mux
}

// servePprof serves the profiles on an address of their own.
func servePprof(addr string, log *slog.Logger) {
	srv := &http.Server{Addr: addr, Handler: pprofHandler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving profiles", "addr", addr)
	if err := srv.ListenAndServe(); err != nil {
		log.Warn("profiles server stopped", "err", err)
	}
}
