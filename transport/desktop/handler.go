package desktop

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// Pages are the pages served, each at /<name>/ with its files beside its
// index.html, and the files they share at /<name>/lib/.
var Pages = []string{"desktop", "supervisor"}

// contentTypes are the types of the files embedded: a file of another
// kind is not served (a test keeps the tree to these), so that nosniff
// never meets a type the browser guesses.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	"":      "text/plain; charset=utf-8", // LICENSE
}

type file struct {
	body        []byte
	etag        string
	contentType string
}

// Handler serves the pages' files from memory. Safe for concurrent use.
type Handler struct {
	files map[string]file // by path under static/
}

// New reads the embedded files.
func New() (*Handler, error) {
	h := &Handler{files: map[string]file{}}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("desktop: %s: no content type for its extension", p)
		}
		b, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h.files[strings.TrimPrefix(p, "static/")] = file{body: b, contentType: ct,
			etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// ServeHTTP answers GET and HEAD of /desktop, /supervisor and the files
// below them.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	for _, page := range Pages {
		if p == "/"+page {
			// Relative URLs in the page resolve against its directory.
			http.Redirect(w, r, "/"+page+"/", http.StatusMovedPermanently)
			return
		}
	}
	f, ok := h.lookup(p)
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	// The files change only with the binary: the browser asks again each
	// time (no-cache) and gets a 304 while the ETag holds, so an upgrade
	// is never mixed with an old file's module.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", f.etag)
	w.Header().Set("Content-Type", f.contentType)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// lookup maps a URL path to its file: /<page>/ is the page's index.html,
// /<page>/lib/... the shared files, /<page>/x the page's own. Paths that
// are not clean (.., //) match nothing.
func (h *Handler) lookup(p string) (file, bool) {
	if path.Clean(p) != strings.TrimSuffix(p, "/") && p != "/" {
		return file{}, false
	}
	for _, page := range Pages {
		rest, ok := strings.CutPrefix(p, "/"+page+"/")
		if !ok {
			continue
		}
		var name string
		switch {
		case rest == "":
			name = page + "/index.html"
		case strings.HasPrefix(rest, "lib/"):
			name = rest
		default:
			name = page + "/" + rest
		}
		f, ok := h.files[name]
		return f, ok
	}
	return file{}, false
}
