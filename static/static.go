// Package static embeds Persona's own CSS, JavaScript and images, and the front-end
// libraries that scripts/assets.sh copies from npm into vendor/.
package static

import (
	"embed"
	"io/fs"
)

//go:embed css js img all:vendor
var files embed.FS

// FS returns the embedded static files.
func FS() fs.FS { return files }

// HasVendor tells whether the npm-built libraries were present at build time.
func HasVendor() bool {
	_, err := fs.Stat(files, "vendor/htmx.min.js")
	return err == nil
}
