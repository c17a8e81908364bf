package handlers

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// Imports uploads CSV files, maps their columns and runs the import with a progress bar.
type Imports struct {
	Base
	Customers *customers.Service
	Jobs      *customers.Jobs
	// Dir keeps uploads between the upload and the mapping step.
	Dir string
}

var uploadIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

func kinds() []string { return []string{"customers", "products", "orders", "events"} }

// New shows the upload form.
func (h *Imports) New(c echo.Context) error {
	return render(c, http.StatusOK, templates.ImportUploadPage(h.page(c, "Import", "imports"), templates.ImportUploadView{Kinds: kinds(), Kind: c.QueryParam("kind")}))
}

// Upload stores the file and shows the column-mapping step.
func (h *Imports) Upload(c echo.Context) error {
	vm := templates.ImportUploadView{Kinds: kinds(), Kind: c.FormValue("kind"), Errors: templates.FieldErrors{}}
	kind, err := customers.ParseKind(vm.Kind)
	if err != nil {
		vm.Errors["kind"] = "choose what the file holds"
	}
	fh, ferr := c.FormFile("file")
	if ferr != nil {
		vm.Errors["file"] = "choose a CSV file to upload"
	}
	if len(vm.Errors) > 0 {
		return render(c, http.StatusUnprocessableEntity, templates.ImportUploadPage(h.page(c, "Import", "imports"), vm))
	}
	src, err := fh.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	id := newUploadID()
	if err := os.MkdirAll(h.Dir, 0o700); err != nil {
		return err
	}
	path := filepath.Join(h.Dir, id+".csv")
	dst, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(path)
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	header, err := readHeaderFile(path)
	if err != nil {
		os.Remove(path)
		vm.Errors["file"] = "this file has no readable CSV header row: " + err.Error()
		return render(c, http.StatusUnprocessableEntity, templates.ImportUploadPage(h.page(c, "Import", "imports"), vm))
	}
	return render(c, http.StatusOK, templates.ImportMapPage(h.page(c, "Map columns", "imports"), mapView(id, fh.Filename, kind, header, nil)))
}

func mapView(id, fileName string, kind customers.Kind, header []string, errs templates.FieldErrors) templates.ImportMapView {
	vm := templates.ImportMapView{UploadID: id, FileName: fileName, Kind: string(kind), Sources: header, Errors: errs}
	required := map[string]bool{}
	for _, r := range customers.RequiredColumns(kind) {
		required[r] = true
	}
	lower := map[string]string{}
	for _, h := range header {
		lower[strings.ToLower(strings.TrimSpace(h))] = h
	}
	for _, col := range customers.CanonicalColumns(kind) {
		vm.Columns = append(vm.Columns, templates.ImportColumn{Name: col, Required: required[col], Source: lower[col]})
	}
	return vm
}

// Start runs the import of an uploaded file with the chosen mapping.
func (h *Imports) Start(c echo.Context) error {
	id := c.Param("upload")
	if !uploadIDPattern.MatchString(id) {
		return store.ErrNotFound
	}
	path := filepath.Join(h.Dir, id+".csv")
	info, err := os.Stat(path)
	if err != nil {
		return store.ErrNotFound
	}
	kind, err := customers.ParseKind(c.FormValue("kind"))
	if err != nil {
		return store.FieldErrors{"kind": err.Error()}
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	mapping := map[string]string{}
	errs := templates.FieldErrors{}
	for _, col := range customers.CanonicalColumns(kind) {
		src := form.Get("map_" + col)
		if src == "" {
			continue
		}
		if prev, dup := mapping[src]; dup {
			errs["map_"+col] = "column " + src + " is already used for " + prev
			continue
		}
		mapping[src] = col
	}
	for _, r := range customers.RequiredColumns(kind) {
		found := false
		for _, dst := range mapping {
			if dst == r {
				found = true
			}
		}
		if !found {
			errs["map_"+r] = "choose the column that holds " + r
		}
	}
	if len(errs) > 0 {
		header, _ := readHeaderFile(path)
		vm := mapView(id, c.FormValue("file_name"), kind, header, errs)
		for i, col := range vm.Columns {
			vm.Columns[i].Source = form.Get("map_" + col.Name)
		}
		return render(c, http.StatusUnprocessableEntity, templates.ImportMapPage(h.page(c, "Map columns", "imports"), vm))
	}
	jobID := h.Jobs.Start(c.Request().Context(), path, c.FormValue("file_name"), customers.ImportOptions{Kind: kind, Mapping: mapping}, estimateRows(path, info.Size()))
	return h.redirect(c, "/imports/jobs/"+jobID, "")
}

// Job shows an import's progress, and its summary when done.
func (h *Imports) Job(c echo.Context) error {
	st, err := h.Jobs.Get(c.Param("id"))
	if err != nil {
		return err
	}
	vm := jobView(st)
	if isHTMX(c) {
		return render(c, http.StatusOK, templates.ImportProgress(vm))
	}
	return render(c, http.StatusOK, templates.ImportJobPage(h.page(c, "Import "+vm.FileName, "imports"), vm))
}

func jobView(st customers.JobState) templates.ImportJobView {
	vm := templates.ImportJobView{ID: st.ID, Kind: string(st.Kind), FileName: st.FileName, Rows: st.Rows, Percent: st.Percent(), Done: st.Done, Err: st.Err}
	if st.Done {
		s := st.Summary
		vm.Summary = &templates.ImportSummary{Rows: s.Rows, Imported: s.Imported, Updated: s.Updated, Unchanged: s.Unchanged, Rejected: s.Rejected,
			CreatedCustomers: s.CreatedCustomers, CreatedProducts: s.CreatedProducts}
		for i, e := range s.Errors {
			if i == 200 {
				break
			}
			vm.Summary.Errors = append(vm.Summary.Errors, templates.RowError{Line: e.Line, Reason: e.Reason})
		}
	}
	return vm
}

func newUploadID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func readHeaderFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return customers.ReadHeader(f)
}

// estimateRows guesses the number of data rows from the first 256 KiB of the file.
func estimateRows(path string, size int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	buf := make([]byte, 256<<10)
	n, _ := io.ReadFull(bufio.NewReader(f), buf)
	lines := bytes.Count(buf[:n], []byte{'\n'})
	if lines <= 1 || n == 0 {
		return 1
	}
	return size * int64(lines) / int64(n)
}
