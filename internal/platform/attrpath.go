package platform

import (
	"fmt"
	"strings"
)

// StepKind says what one step of an AttrPath selects.
type StepKind int

const (
	// StepName selects an attribute by name (a top-level attribute, or one inside a
	// block or object).
	StepName StepKind = iota
	// StepKey selects an element of a map by its key.
	StepKey
	// StepIndex selects an element of a list by its position.
	StepIndex
)

// PathStep is one step of an AttrPath.
type PathStep struct {
	// Kind says which of Name and Index the step uses.
	Kind StepKind
	// Name is the attribute name (StepName) or the map key (StepKey).
	Name string
	// Index is the list position (StepIndex).
	Index int
}

// AttrPath names a Terraform attribute, or a part of one, that a finding or a value is
// about, as the steps that lead to it; the provider turns it into a framework path
// without parsing text. The empty path is the resource itself.
type AttrPath []PathStep

// Attr is the path of the top-level attribute name.
func Attr(name string) AttrPath {
	return AttrPath{{Kind: StepName, Name: name}}
}

// Name is p followed by the attribute name inside it (an attribute of a block).
func (p AttrPath) Name(name string) AttrPath {
	return p.with(PathStep{Kind: StepName, Name: name})
}

// Key is p followed by the map key key.
func (p AttrPath) Key(key string) AttrPath {
	return p.with(PathStep{Kind: StepKey, Name: key})
}

// Index is p followed by the list position i.
func (p AttrPath) Index(i int) AttrPath {
	return p.with(PathStep{Kind: StepIndex, Index: i})
}

// with copies p before appending, so that paths built from a common prefix never share
// their steps.
func (p AttrPath) with(s PathStep) AttrPath {
	return append(p[:len(p):len(p)], s)
}

// String renders the path as diagnostics quote it: `limits.cpu`, `command[2]`,
// `labels["a.b/c"]`; the empty path is "".
func (p AttrPath) String() string {
	var b strings.Builder
	for i, s := range p {
		switch s.Kind {
		case StepName:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name)
		case StepKey:
			fmt.Fprintf(&b, "[%q]", s.Name)
		case StepIndex:
			fmt.Fprintf(&b, "[%d]", s.Index)
		}
	}
	return b.String()
}
