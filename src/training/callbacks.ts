// Calling the user's fit callbacks: a promise one returns is awaited, and a
// throw or a rejection becomes a CallbackError that fit turns back into the
// user's error once the network is in order.

import type { Callback } from '../fit-options.js';

/** A user's callback failed: fit rejects with `cause`. */
export class CallbackError extends Error {
  constructor(override readonly cause: unknown) {
    super('a fit callback failed');
  }
}

/**
 * Calls a user's callback. A promise it returns is handed back for the caller to await, its
 * rejection as a CallbackError; a plain return value is not, so a synchronous callback costs no
 * turn of the event loop.
 */
export function callUser<T>(callback: Callback<T>, log: T): Promise<void> | undefined {
  let result: unknown;
  try {
    result = callback(log);
  } catch (error) {
    throw new CallbackError(error);
  }
  if (typeof (result as PromiseLike<void> | undefined)?.then !== 'function') return undefined;
  return Promise.resolve(result as PromiseLike<void>).then(undefined, (error: unknown) => {
    throw new CallbackError(error);
  });
}
