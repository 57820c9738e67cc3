// Added by Fen (scripts/ferretdb/build.mjs; see README.md, "Database") to FerretDB v1.24.2 at build time.
//
// FerretDB v1 runs `update` and `findAndModify` as a read followed by a separate write of the whole
// document (internal/handler/common/update.go), so two connections can both match the same
// document: conditional updates "win" several times and $inc loses counts. MongoDB applies each
// single-document update atomically; to keep that promise on one FerretDB process, the
// read-modify-write commands take a lock per collection. Reads and inserts are not affected.

package handler

import "sync"

// fenCollectionLocks holds one *sync.Mutex per "db.collection".
var fenCollectionLocks sync.Map

// fenLockCollection locks the read-modify-write commands of one collection and returns the unlock.
func fenLockCollection(db, collection string) func() {
	value, _ := fenCollectionLocks.LoadOrStore(db+"."+collection, new(sync.Mutex))
	mu := value.(*sync.Mutex)
	mu.Lock()

	return mu.Unlock
}
