package platform

import "sync"

// Locks hands out one mutex per key. Drivers key it by platform endpoint, namespace and
// function name, so that every read-modify-write of one function object inside one
// provider process is serialised (DESIGN.md section 5.2). The zero value is ready to use.
type Locks struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// Lock locks the mutex for key and returns the function that unlocks it.
func (l *Locks) Lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*sync.Mutex{}
	}
	m, ok := l.locks[key]
	if !ok {
		m = &sync.Mutex{}
		l.locks[key] = m
	}
	l.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// FunctionLocks serialises read-modify-write of function objects across every provider
// instance in this process (aliased providers may point at the same platform). Drivers
// key it with FunctionLockKey.
var FunctionLocks Locks

// FunctionLockKey is the FunctionLocks key of a function on the platform at endpoint.
func FunctionLockKey(endpoint string, id FunctionID) string {
	return endpoint + "|" + id.Namespace + "|" + id.Name
}
