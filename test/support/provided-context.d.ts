// What the root global setup (test/support/global-setup.ts) provides to every project's tests:
// `inject('mongodbUri')` and `inject('redisUrl')` are typed as strings wherever this file is seen.
declare module 'vitest' {
  export interface ProvidedContext {
    /** `mongodb://host:port` without a database name: add one per test file (see db.ts). */
    mongodbUri: string;
    /** Where mongodbUri comes from: $MONGODB_URI (`external`) or a FerretDB the setup started. */
    mongodbSource: 'external' | 'ferretdb';
    /** `redis://host:port` of a Redis the tests may use (shared: prefix your keys). */
    redisUrl: string;
  }
}

export {};
