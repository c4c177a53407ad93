/** Leaves a page's result, or its error, in window.simdnetResult for the test to read. */
export function report(promise) {
  promise.then(
    (result) => { window.simdnetResult = result; },
    (error) => { window.simdnetResult = { error: String((error && error.stack) || error) }; },
  );
}
