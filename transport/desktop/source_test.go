package desktop_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// ownFiles are the pages' files under static/, less the vendored client.
func ownFiles(t *testing.T, ext string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir("static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(filepath.ToSlash(p), "static/lib/cometd/") || filepath.Ext(p) != ext {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(p)] = b
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, files, ext)
	return files
}

// The CSP forbids inline script and style; the pages have none, so that
// they work under it: every <script> has a src and is a module, no
// <style> element, no style= or on*= attribute, no javascript: URL.
func TestNoInlineScriptOrStyle(t *testing.T) {
	t.Parallel()
	for name, b := range ownFiles(t, ".html") {
		doc, err := html.Parse(bytes.NewReader(b))
		require.NoError(t, err, name)
		scripts := 0
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				attrs := map[string]string{}
				for _, a := range n.Attr {
					attrs[a.Key] = a.Val
					require.False(t, strings.HasPrefix(a.Key, "on"), "%s: <%s %s=...>", name, n.Data, a.Key)
					require.NotEqual(t, "style", a.Key, "%s: <%s style=...>", name, n.Data)
					require.False(t, strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:"), "%s: <%s %s>", name, n.Data, a.Key)
				}
				switch n.Data {
				case "script":
					scripts++
					require.NotEmpty(t, attrs["src"], "%s: inline <script>", name)
					require.Equal(t, "module", attrs["type"], "%s: <script src=%s>", name, attrs["src"])
					require.Nil(t, n.FirstChild, "%s: <script> with a body", name)
				case "style":
					t.Fatalf("%s: <style> element", name)
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		require.Equal(t, 1, scripts, name)
	}
}

// Texts reach the DOM as text only: the pages' own scripts use none of
// the sinks that parse HTML or run strings as code.
func TestNoHTMLSinks(t *testing.T) {
	t.Parallel()
	sinks := regexp.MustCompile(`\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new Function|setTimeout\(\s*["'\x60]|createContextualFragment|DOMParser`)
	for name, b := range ownFiles(t, ".js") {
		for i, line := range strings.Split(string(b), "\n") {
			require.False(t, sinks.MatchString(line), "%s:%d: %s", name, i+1, line)
		}
	}
}

// Every control of the pages has a label (axe-core checks it again in the
// browser, on the live DOM): an input, select or textarea is named by a
// <label for=...> of its id.
func TestControlsLabelled(t *testing.T) {
	t.Parallel()
	for name, b := range ownFiles(t, ".html") {
		doc, err := html.Parse(bytes.NewReader(b))
		require.NoError(t, err, name)
		labelled := map[string]bool{}
		var controls []string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				attr := func(k string) string {
					for _, a := range n.Attr {
						if a.Key == k {
							return a.Val
						}
					}
					return ""
				}
				switch n.Data {
				case "label":
					labelled[attr("for")] = true
				case "input", "select", "textarea":
					require.NotEmpty(t, attr("id"), "%s: <%s> without id", name, n.Data)
					controls = append(controls, attr("id"))
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		for _, id := range controls {
			require.True(t, labelled[id], "%s: #%s has no <label for>", name, id)
		}
	}
}
