// Tests that need something a fresh clone cannot hold (the full MNIST files, a browser) are
// declared with describeNeeding. Where the thing is missing, their tests are skipped and one
// line on stderr says what is missing and how to get it. Under CI=true, where everything is
// provisioned, a missing requirement fails instead, so CI cannot pass by running less.

import { describe, expect, it } from 'vitest';

/** Whether this run is CI's (CI=true or CI=1), where a missing requirement is a failure. */
const IN_CI = /^(true|1)$/i.test(process.env.CI ?? '');

/**
 * describe(name, body) for tests that need something from outside the repository. `missing` is
 * undefined where it is there, otherwise one line naming what is missing and how to get it.
 */
export function describeNeeding(missing: string | undefined, name: string, body: () => void): void {
  if (missing === undefined) {
    describe(name, body);
  } else if (IN_CI) {
    describe(name, () => {
      it('has what it needs (CI=true makes a missing requirement a failure)', () => expect.fail(missing));
    });
  } else {
    process.stderr.write(`SKIPPED ${name}: ${missing}\n`);
    describe.skip(name, body);
  }
}
