// Added by Fen (scripts/ferretdb/build.mjs; see README.md, "Database") to FerretDB v1.24.2 at build time.
//
// FerretDB's PostgreSQL handler pushes an equality filter down as `_jsonb->'field' @> value`, but
// the index it creates for a MongoDB index is a btree on `(_jsonb->'field')`, which `@>` cannot
// use: every lookup by a field other than _id scans the whole table. Beside each index, Fen adds a
// GIN index on each top-level key's expression, which serves exactly that `@>`. Results do not
// change (FerretDB filters every row it reads again); only the scan goes.

package metadata

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// fenCreateContainmentIndexes creates, if missing, a GIN index per top-level key of index.
func fenCreateContainmentIndexes(ctx context.Context, p *pgxpool.Pool, dbName, tableName string, index IndexInfo) error {
	for _, key := range index.Key {
		// Dotted fields are not pushed down (FerretDB's default), so they get no GIN index. _id does:
		// FerretDB looks it up with `@>` too.
		if strings.Contains(key.Field, ".") {
			continue
		}

		h := fnv.New32a()
		_, _ = h.Write([]byte(tableName + "\x00" + key.Field))

		// PostgreSQL names are at most 63 bytes; the hash keeps shortened ones apart.
		tablePart := tableName
		if len(tablePart) > 40 {
			tablePart = tablePart[:40]
		}

		q := fmt.Sprintf(
			"CREATE INDEX IF NOT EXISTS %s ON %s USING gin ((%s->%s))",
			pgx.Identifier{fmt.Sprintf("fen_gin_%s_%08x", tablePart, h.Sum32())}.Sanitize(),
			pgx.Identifier{dbName, tableName}.Sanitize(),
			DefaultColumn,
			quoteString(key.Field),
		)
		if _, err := p.Exec(ctx, q); err != nil {
			return err
		}
	}

	return nil
}
