// `simdnet train --stream`: a file read a chunk at a time trains, without shuffling, to the
// same weights as the file held whole, whatever the buffer's size; shuffled within its
// buffer, it still learns; and the data's errors and notes are the in-memory path's.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliTestFiles, expectOneLineError, ROOT, simdnet } from './support/cli.js';

const files = cliTestFiles('simdnet-stream-');
const IRIS = `${ROOT}data/iris/iris.csv`;

/** Trains with the arguments and answers the saved model. */
function train(csv: string, name: string, ...args: string[]) {
  const model = files.path(name);
  const run = simdnet('train', csv, '-q', '-l', '5', '-e', '3', '-b', '4', '--save', model, ...args);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return { run, model: JSON.parse(readFileSync(model, 'utf8')) as Record<string, unknown> & { training: Record<string, unknown> } };
}

/** A regression file: y = 2a − b + noise-free wiggle, 53 rows (not a multiple of the batch or the buffer). */
function regressionCsv(): string {
  const rows = Array.from({ length: 53 }, (_, r) => {
    const a = Math.sin(r) * 3;
    const b = (r % 5) - 2;
    return `${a.toFixed(4)},${b},${(2 * a - b + Math.cos(r)).toFixed(4)}`;
  });
  return files.write('regression.csv', `a,b,y\n${rows.join('\n')}\n`);
}

describe('simdnet train --stream', () => {
  it.each([['1'], ['7'], ['53'], ['1000']])('without shuffling trains to the weights of the in-memory path (buffer of %s rows)', (buffer) => {
    for (const [csv, target] of [[IRIS, 'species'], [regressionCsv(), 'y']] as const) {
      const whole = train(csv, 'whole.json', '--target', target, '--no-shuffle', '--no-stream');
      const streamed = train(csv, `streamed-${buffer}.json`, '--target', target, '--no-shuffle', '--stream', '--shuffle-buffer', buffer);
      const { training: wholeTraining, ...wholeModel } = whole.model;
      const { training: streamedTraining, ...streamedModel } = streamed.model;
      expect(streamedModel).toEqual(wholeModel);
      expect(streamedTraining).toEqual({ ...wholeTraining, shuffleBuffer: Number(buffer) });
      // The epochs' losses are the same means over the same batches.
      expect(streamed.run.stdout.match(/training loss [\d.]+/)![0]).toBe(whole.run.stdout.match(/training loss [\d.]+/)![0]);
    }
  });

  it('carries the optimizer, a step-counting schedule, L1 and clipping from buffer to buffer as one fit does', () => {
    const options = ['--optimizer', 'adamw', '--weight-decay', '0.05', '--schedule', 'cosine:decaySteps=60,warmupSteps=7', '--l1', '0.001', '--clip-norm', '0.5'];
    const whole = train(IRIS, 'whole-options.json', '--no-shuffle', '--no-stream', ...options);
    const streamed = train(IRIS, 'streamed-options.json', '--no-shuffle', '--stream', '--shuffle-buffer', '13', ...options);
    const plain = train(IRIS, 'streamed-plain.json', '--no-shuffle', '--stream', '--shuffle-buffer', '13');
    expect(streamed.model.network).toEqual(whole.model.network);
    expect(streamed.model.network).not.toEqual(plain.model.network);
  });

  it('shuffled within its buffer, learns iris, the same model for the same seed', () => {
    const args = ['--target', 'species', '--stream', '--shuffle-buffer', '40', '-l', '16', '-e', '60', '--learning-rate', '0.01'];
    const first = train(IRIS, 'shuffled-1.json', ...args);
    const again = train(IRIS, 'shuffled-2.json', ...args);
    expect(again.model).toEqual(first.model);
    expect(Number(/accuracy ([\d.]+)%/.exec(first.run.stdout)![1])).toBeGreaterThan(90);
    expect(first.run.stdout).toContain('(read a chunk at a time, shuffled within 40 rows)');
    const unshuffled = train(IRIS, 'unshuffled.json', ...args, '--no-shuffle');
    expect(unshuffled.model.network).not.toEqual(first.model.network);
  });

  it('finds a bad cell in a later chunk before training, naming its line', () => {
    const rows = Array.from({ length: 10_004 }, (_, r) => `${r % 13},${r % 2 ? 'odd' : 'even'}`);
    rows.push('x,odd');
    const csv = files.write('late-error.csv', `n,parity\n${rows.join('\n')}\n`);
    const run = simdnet('train', csv, '-q', '--stream');
    expectOneLineError(run, 1, "late-error.csv: line 10006, column 'n' holds 'x', not a number; feature columns must be numeric");
    expect(run.stdout).toBe('');
  });

  it('leaves out rows with missing values as the in-memory path does, and says so once', () => {
    const csv = files.write('missing.csv', 'a,t\n1,x\nNA,y\n2,y\n3,\n4,x\n5,y\n');
    const whole = simdnet('train', csv, '-q', '-e', '1', '--drop-missing', '--no-stream');
    const streamed = simdnet('train', csv, '-q', '-e', '1', '--drop-missing', '--stream');
    expect(streamed.stderr).toBe('simdnet: --drop-missing left out 2 of 6 rows (lines 3, 5)\n');
    expect(streamed.stderr).toBe(whole.stderr);
    expectOneLineError(simdnet('train', csv, '-q', '--stream'), 1, "missing.csv: line 3, column 'a' has no value ('NA'); add --drop-missing");
  });

  it('refuses --validation-split, which needs every row in memory, and contradictory options', () => {
    expectOneLineError(simdnet('train', IRIS, '--stream', '--validation-split', '0.2'), 2, '--validation-split needs every row in memory');
    expectOneLineError(simdnet('train', IRIS, '--stream', '--no-stream'), 2, '--stream and --no-stream contradict each other');
    expectOneLineError(simdnet('train', IRIS, '--shuffle-buffer', '0'), 2, '--shuffle-buffer must be an integer from 1');
  });

  it('says in --help that streaming shuffles within the buffer', () => {
    const { stdout } = simdnet('train', '--help');
    expect(stdout).toMatch(/--stream \/ --no-stream/);
    expect(stdout).toMatch(/rows\s+are shuffled within the buffer, not across the file/);
  });
});
