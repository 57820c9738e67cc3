/** What a page shows: a spinner, its content, an empty note, or an error with a retry. */
export type LoadStatus = 'loading' | 'ready' | 'empty' | 'error';
