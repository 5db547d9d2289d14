/**
 * A module worker that does nothing but say it runs: the cold-open floor of
 * any store that lives in a worker (the browser starts a thread, fetches,
 * compiles and runs a script before the first message can come back).
 * Dexie, on the page, does not pay it.
 */
postMessage('running');
