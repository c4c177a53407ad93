// How the command fails: one line on stderr for every error, quietly when its reader
// goes away, before training when the model could not be saved, and `simdnet bench`
// only where the benchmark suite is.

import { spawn } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cliTestFiles, expectOneLineError, ROOT, simdnet, simdnetAt } from './support/cli.js';

const files = cliTestFiles('simdnet-errors-');
const smallCsv = () => files.write('small.csv', 'a,b,t\n1,2,x\n2,1,y\n3,3,x\n0,1,y\n');

describe('every error is one line on stderr', () => {
  it.each([
    [[], 'no command given'],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['train'], "missing <csv>; see 'simdnet train --help'"],
    [['train', 'small.csv', '--bogus'], "unknown option --bogus; see 'simdnet train --help'"],
    [['train', 'small.csv', '--epochs'], 'option --epochs needs a value'],
    [['predict', 'model.json'], "missing <csv>; see 'simdnet predict --help'"],
    [['evaluate', 'model.json', 'small.csv', 'extra'], "unexpected argument 'extra'"],
    [['train', 'small.csv', '--header', '--no-header'], '--header and --no-header contradict each other'],
  ])('simdnet %j', (args, message) => {
    const run = simdnet(...args.map((a) => (a === 'small.csv' ? smallCsv() : a)));
    expectOneLineError(run, 2, message);
    expect(run.stdout).toBe('');
  });
});

describe('data that fails after --drop-missing has left out rows', () => {
  it('says only the error', () => {
    const csv = files.write('short.csv', 'a,t\n1,x\nNA,y\n2,y\n');
    const run = simdnet('train', csv, '-q', '--drop-missing', '--validation-split', '0.9');
    expectOneLineError(run, 1, '--validation-split 0.9 of 2 rows leaves 2 for validation and 0 for training');
  });
});

describe('a closed output pipe', () => {
  it('ends predict quietly', async () => {
    const model = files.write('identity.json', {
      format: 'simdnet-model', version: 1, task: 'regression',
      features: [{ name: 'x', mean: 0, std: 1 }], target: { name: 'y', mean: 0, std: 1 },
      network: {
        format: 'simdnet', version: 1, inputs: 1, loss: 'squaredError', seed: 0,
        layers: [{ units: 1, activation: 'linear', bias: true, trainBias: true, weights: [1], biases: [0] }],
      },
    });
    // Far more output than a pipe buffers, and nobody reading it.
    const csv = files.write('many-rows.csv', `x\n${Array.from({ length: 100_000 }, (_, i) => i / 7).join('\n')}\n`);
    const child = spawn(process.execPath, [CLI, 'predict', model, csv], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });
});

describe('simdnet train --save', () => {
  it.each([
    ['a directory that does not exist', () => files.path('no-such-directory/model.json')],
    ['a directory', () => {
      mkdirSync(files.path('a-directory'), { recursive: true });
      return files.path('a-directory');
    }],
  ])('to %s fails before training', (_, target) => {
    const run = simdnet('train', smallCsv(), '-e', '1', '-q', '--save', target());
    expectOneLineError(run, 1, `cannot write ${target()}`);
    expect(run.stdout).toBe('');
  });
});

describe('simdnet bench outside a clone of the repository', () => {
  // The package as npm installs it: dist/ and package.json, without bench/.
  const installed = () => {
    const root = files.path('installed');
    cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    return join(root, 'dist/cli.js');
  };

  it('says in one line where it runs, and exits 2', () => {
    const run = simdnetAt(installed(), 'bench', '--quick');
    expectOneLineError(run, 2, /the benchmark suite runs from a clone of simdnet's source repository.*npx simdnet bench/);
  });

  it('is listed as such in the help', () => {
    const cli = installed();
    const help = simdnetAt(cli, '--help');
    expect(help.stdout).toMatch(/^ {2}bench {6}\(in a clone of the source repository only\)/m);
    const benchHelp = simdnetAt(cli, 'bench', '--help');
    expect(benchHelp.status).toBe(0);
    expect(benchHelp.stdout).toContain('This copy of simdnet has no benchmark suite');
  });

  it('is offered in the repository', () => {
    expect(simdnet('--help').stdout).toMatch(/^ {2}bench {6}run the benchmark suite$/m);
  });
});
