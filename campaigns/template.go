package campaigns

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/persona-app/persona/store"
)

const (
	maxTemplateNameRunes = 200
	maxSubjectRunes      = 500
	maxTemplatePartBytes = 256 << 10
)

// ValidateTemplate checks t as it would be saved: required fields and sizes, then each part
// is parsed, checked against the sandbox and trial-rendered with SampleRenderData and with an
// empty recipient. Problems come back as store.FieldErrors keyed "name", "subject", "html"
// and "text", worded like `html, line 3: unknown field "Frist_name" — available: …`, and
// "rec_algorithm", "rec_count", "rec_rules" or "rec_rules.<rule>" for the recommendation
// block (empty settings mean the defaults: see withRecDefaults).
func ValidateTemplate(t Template) error {
	fe := store.FieldErrors{}
	validateRecBlock(withRecDefaults(t), fe)
	if !validateTemplateParts(t, fe) {
		return fe
	}
	c, err := compile(t)
	if err != nil {
		addRenderErrors(fe, err)
		return fe
	}
	for _, d := range []RenderData{SampleRenderData(), {}} {
		if _, err := c.render(d, maxRenderTime); err != nil {
			addRenderErrors(fe, err)
			return fe
		}
	}
	return fe.Err()
}

// validateTemplateParts checks the required fields and sizes of t into fe, and tells
// whether they are all fine (so the parts are worth parsing).
func validateTemplateParts(t Template, fe store.FieldErrors) bool {
	ok := true
	add := func(field, msg string) { fe.Add(field, msg); ok = false }
	name := strings.TrimSpace(t.Name)
	switch {
	case name == "":
		add("name", "give the template a name")
	case utf8.RuneCountInString(name) > maxTemplateNameRunes:
		add("name", "keep the name under 200 characters")
	}
	switch {
	case strings.TrimSpace(t.Subject) == "":
		add("subject", "write a subject line")
	case utf8.RuneCountInString(t.Subject) > maxSubjectRunes:
		add("subject", "keep the subject under 500 characters")
	}
	switch {
	case strings.TrimSpace(t.HTML) == "":
		add("html", "write the HTML part of the email")
	case len(t.HTML) > maxTemplatePartBytes:
		add("html", "the HTML part is longer than 256 KiB")
	}
	if len(t.Text) > maxTemplatePartBytes {
		add("text", "the text part is longer than 256 KiB")
	}
	return ok
}

// addRenderErrors files each *RenderError in err under its part.
func addRenderErrors(fe store.FieldErrors, err error) {
	var list []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list = joined.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var re *RenderError
		if errors.As(e, &re) {
			fe.Add(re.Part, re.Error())
		} else {
			fe.Add("html", e.Error())
		}
	}
}
