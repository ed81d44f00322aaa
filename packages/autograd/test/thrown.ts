// The error a call throws, for tests that check messages and classes together.

/** The error `fn` throws (failing the test when it throws none). */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}
