/** An error of a writing operation (run, backfill, migrate, rollback, vacuum): nothing was committed. */
export class RunError extends Error {}
