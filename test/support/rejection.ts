/** The error a promise rejects with, for tests that inspect a failure beyond its message. */
import { inspect } from 'node:util';

/** A promise that resolves fails the test, naming what it resolved to. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error as Error;
  }
  // inspect, not JSON: a session or a socket is circular.
  throw new Error(`expected a failure, got ${inspect(value, { depth: 1 })}`);
}
