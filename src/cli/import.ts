// `simdnet import <model.onnx | model.json> -o <model.json>`: reads a network from an ONNX file
// or a TensorFlow.js model directory and writes a model file that predict, evaluate and export read.

import { dirname, isAbsolute, join, normalize } from 'node:path';
import { type ImportOptions, type Mlp, networkFromMlp } from '../formats/mlp.js';
import { onnxToMlp } from '../formats/onnx/import.js';
import { tfjsToMlp } from '../formats/tfjs/import.js';
import { describe } from '../errors.js';
import { type Loss, Model, type ModelJSON, SimdnetError } from '../index.js';
import { MODEL_FORMAT, MODEL_VERSION } from '../model/model-json.js';
import { quoted } from '../text.js';
import { choiceOption, readCommand } from './args.js';
import { type Io, println } from './command.js';
import { CliError, UsageError } from './errors.js';
import { expectWritable, readBytes } from './files.js';
import { type Columns, METADATA_KEY, readColumns } from './interchange.js';
import { saveModel } from './model-file.js';

export const summary = 'make a model file from an ONNX file or a TensorFlow.js model';

const LOSSES: readonly Loss[] = ['categoricalCrossentropy', 'binaryCrossentropy', 'squaredError'];

export const help = `Usage: simdnet import <model.onnx | model.json> [options]

Reads a network of fully-connected layers from an ONNX file (as PyTorch,
tf2onnx or 'simdnet export' write them) or from a TensorFlow.js model.json with
its weight files beside it (as tfjs-layers, tensorflowjs_converter or 'simdnet
export' write them), and writes a model file that 'simdnet predict', 'evaluate'
and 'export' read.

The model file names the feature columns the network reads and the classes it
predicts. A file written by 'simdnet export' carries them; for others they come
from the options, or default to the columns x1, x2, … and, for a softmax output,
the classes 0, 1, …. A classifier's output layer must be softmax; any other
network must have one output (regression). Features are used as they are
(standardisation: mean 0, standard deviation 1).

Options:
  -o, --output <file>        the model file to write (default: stdout)
      --features <names>     the feature columns, comma-separated, in input order
      --target <name>        the target column's name (default: y)
      --classes <labels>     the class of each output unit, comma-separated
      --loss <name>          the loss for further training: ${LOSSES.join(', ')}
                             (default: from the output layer)
  -h, --help                 show this help

Example:
  simdnet import mnist-mlp.onnx -o mnist-model.json`;

const COMMAND_LINE = {
  name: 'import',
  options: {
    output: { type: 'string', short: 'o' },
    features: { type: 'string' },
    target: { type: 'string' },
    classes: { type: 'string' },
    loss: { type: 'string' },
  },
  help,
  positionals: ['model.onnx | model.json'],
} as const;

/** The network in a file, the columns its metadata names (a file from 'simdnet export'), and the loss a TF.js file saved. */
function readNetwork(file: string): { mlp: Mlp; metadata: unknown; loss?: Loss } {
  const bytes = readBytes(file);
  try {
    // A TF.js model.json begins with '{'; an ONNX file with a protobuf tag, never that byte.
    if (!bytes.subarray(0, 64).toString('latin1').trimStart().startsWith('{')) {
      const { mlp, metadata } = onnxToMlp(bytes);
      return { mlp, metadata: metadata.get(METADATA_KEY) };
    }
    let modelJSON: Record<string, unknown>;
    try {
      modelJSON = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new CliError(`${file} is not valid JSON (${(error as Error).message}), so not a TensorFlow.js model.json`);
    }
    const { mlp, loss } = tfjsToMlp({ ...modelJSON, weightData: weightFiles(file, modelJSON.weightsManifest) });
    const stored = (modelJSON.userDefinedMetadata as Record<string, unknown> | undefined)?.[METADATA_KEY];
    return { mlp, metadata: stored === undefined ? undefined : JSON.stringify(stored), ...(loss ? { loss } : {}) };
  } catch (error) {
    if (error instanceof SimdnetError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
}

// The bytes of the weight files a model.json lists, in order, from the directory it is in.
function weightFiles(file: string, manifest: unknown): Buffer[] {
  if (!Array.isArray(manifest)) throw new CliError(`${file} has no weightsManifest, so no weights: is it a TensorFlow.js model.json?`);
  return manifest.flatMap((group: { paths?: unknown } | null) => {
    const paths: unknown[] = Array.isArray(group?.paths) ? group.paths : [];
    return paths.map((path) => {
      const name = typeof path === 'string' ? normalize(path) : '';
      if (name === '' || isAbsolute(name) || name.startsWith('..')) {
        throw new CliError(`${file}: the weight file ${typeof path === 'string' ? quoted(path) : describe(path)} is not a file beside it`);
      }
      try {
        return readBytes(join(dirname(file), name));
      } catch (error) {
        if (error instanceof CliError) throw new CliError(`${file} lists the weight file ${quoted(name)}: ${error.message}`);
        throw error;
      }
    });
  });
}

/** The names of a comma-separated option, each once. */
function list(value: string | undefined, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new UsageError(`--${option} must be comma-separated names, got ${quoted(value)}`, 'import');
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`--${option} names ${quoted(twice)} twice`, 'import');
  return names;
}

/** The columns from the options, else from the file's metadata, else the defaults. */
function columnsOf(values: { features?: string; target?: string; classes?: string }, stored: Columns | undefined, mlp: Mlp): Columns {
  const inputs = mlp.inputs;
  const output = mlp.layers.at(-1)!;
  const outputs = output.units;
  const features = list(values.features, 'features') ?? stored?.features ?? Array.from({ length: inputs }, (_, i) => `x${i + 1}`);
  if (features.length !== inputs) throw new UsageError(`--features names ${features.length} columns, but the network takes ${inputs} inputs`, 'import');
  const target = values.target ?? stored?.target ?? 'y';
  const softmax = output.activation === 'softmax';
  const classes = list(values.classes, 'classes') ?? stored?.classes ?? (softmax ? Array.from({ length: outputs }, (_, i) => String(i)) : undefined);
  if (classes) {
    if (classes.length !== outputs || outputs < 2) {
      throw new UsageError(`--classes names ${classes.length} classes, but the network has ${outputs} outputs`, 'import');
    }
    if (!softmax) {
      throw new UsageError(
        `--classes: the network's output layer is ${quoted(output.activation)}, not softmax, so its outputs are not the classes' probabilities that a classifier's model file holds`,
        'import',
      );
    }
    return { task: 'classification', features, target, classes };
  }
  if (outputs !== 1) {
    throw new CliError(
      `the network has ${outputs} outputs and no softmax over them: a model file holds a classifier (a softmax output, its classes named with --classes) or a single-output regressor`,
    );
  }
  return { task: 'regression', features, target };
}

export async function run(argv: string[], io: Io): Promise<void> {
  const command = readCommand(COMMAND_LINE, argv, io);
  if (!command) return;
  const { values, args: [file] } = command;
  const chosenLoss = values.loss === undefined ? undefined : choiceOption(values.loss, 'loss', LOSSES, 'squaredError', 'import');
  expectWritable(values.output);
  const { mlp, metadata, loss: savedLoss } = readNetwork(file!);
  const columns = columnsOf(values, readColumns(metadata, mlp.inputs, mlp.layers.at(-1)!.units), mlp);
  const options: ImportOptions = chosenLoss ? { loss: chosenLoss } : {};
  // Its errors start with the file's name: '<file>: the network it describes cannot be built: …'.
  const network = await networkFromMlp(mlp, options, file!, savedLoss);
  let json: ModelJSON;
  try {
    json = {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      task: columns.task,
      features: columns.features.map((name) => ({ name, mean: 0, std: 1 })),
      target: columns.classes ? { name: columns.target, classes: columns.classes } : { name: columns.target, mean: 0, std: 1 },
      network: network.toJSON(),
      training: { importedFrom: file },
    };
  } finally {
    network.dispose();
  }
  // Read back as predict reads it, so that a model file simdnet writes is one it reads.
  const model = await Model.load(json, { source: `the model file made from ${file}` });
  try {
    saveModel(values.output ?? '-', model, io.stdout);
  } finally {
    model.dispose();
  }
  const what = columns.task === 'classification' ? `a classifier into ${columns.classes!.length} classes` : 'a regressor';
  println(io.stderr, `simdnet import: ${what} of ${mlp.inputs} features, ${mlp.layers.length} layers${values.output && values.output !== '-' ? `, written to ${values.output}` : ''}`);
}
