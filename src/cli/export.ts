// `simdnet export <model.json> --format onnx|tfjs -o <path>`: writes a saved model as an ONNX
// file, or as a TensorFlow.js model directory (model.json and weights.bin).

import { join } from 'node:path';
import { mlpOf, type Mlp } from '../formats/mlp.js';
import { mlpToONNX } from '../formats/onnx/export.js';
import { mlpToTFJS } from '../formats/tfjs/export.js';
import { type Model, Network, type NetworkJSON, SimdnetError } from '../index.js';
import { choiceOption, readCommand } from './args.js';
import { type Io, println } from './command.js';
import { CliError, UsageError } from './errors.js';
import { expectWritable, makeDirectory, readText, writeFile } from './files.js';
import { type Columns, foldFeatureScaling, foldTargetScaling, METADATA_KEY } from './interchange.js';
import { withModel } from './model-file.js';
import { quoted } from '../text.js';

export const summary = 'write a saved model as ONNX or as a TensorFlow.js model';

const FORMATS = ['onnx', 'tfjs'] as const;
type Format = (typeof FORMATS)[number];

export const help = `Usage: simdnet export <model.json> --format onnx|tfjs -o <path>

Writes a model saved by 'simdnet train --save' (or a network's own JSON, from
net.toJSON()) for ONNX Runtime, PyTorch and other ONNX tools, or for
TensorFlow.js and, through tensorflowjs_converter, Keras.

The model's standardisation of the features, and of a regression target, is
folded into the first and last layers' weights and biases: the exported network
takes the raw values of the feature columns and predicts in the target's own
units. The column names and class labels go into the file's metadata (ONNX
metadata_props, TF.js userDefinedMetadata, under "${METADATA_KEY}"), from which
'simdnet import' makes a model file again.

  onnx   one .onnx file (opset 13): input 'input' [batch, features], output
         'output' [batch, outputs] (class probabilities for classification)
  tfjs   a directory with model.json and weights.bin, for tf.loadLayersModel

Options:
  -f, --format <format>  onnx or tfjs
  -o, --output <path>    the .onnx file, or the directory for tfjs (made if missing)
  -h, --help             show this help

Example:
  simdnet export iris-model.json --format onnx -o iris.onnx`;

const COMMAND_LINE = {
  name: 'export',
  options: { format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } },
  help,
  positionals: ['model.json'],
} as const;

/** A network ready to write: its preprocessing folded in, the columns it reads and writes, and what was folded. */
interface Exported {
  mlp: Mlp;
  columns?: Columns;
  notes: string[];
}

/** A model file's network with the standardisation folded in. */
function foldModel(file: string, model: Model): Exported {
  const { network, features, target } = model;
  let mlp = foldFeatureScaling(mlpOf(network), model.scaler.toJSON());
  const notes = [`the standardisation of the ${features.length} features is folded into the first layer: the exported network takes their raw values`];
  if ('scaler' in target) {
    const scaling = target.scaler.toJSON();
    if (mlp.layers.at(-1)!.activation === 'linear') {
      mlp = foldTargetScaling(mlp, scaling);
      notes.push(`the target's standardisation is folded into the output layer: it predicts ${quoted(target.name)} in its own units`);
    } else {
      notes.push(`the output layer is not linear, so the target's standardisation is not included: multiply the outputs by ${scaling.std[0]} and add ${scaling.mean[0]}`);
    }
  }
  const overflow = mlp.layers.findIndex((layer) => !layer.weights.every(Number.isFinite) || !(layer.bias ?? []).every(Number.isFinite));
  if (overflow >= 0) {
    throw new CliError(`${file}: with the standardisation folded in, layer ${overflow}'s weights or biases are beyond float32`);
  }
  const classes = model.classes;
  const columns: Columns = { task: model.task, features: [...features], target: target.name, ...(classes ? { classes } : {}) };
  return { mlp, columns, notes };
}

/** The network of a model file, or of a network's own JSON (format "simdnet"), which is exported as it is. */
async function readModel(file: string): Promise<Exported> {
  let value: unknown;
  try {
    value = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    // Not JSON: the model file's reader says so.
  }
  if ((value as { format?: unknown } | null)?.format !== 'simdnet') return withModel(file, (model) => foldModel(file, model));
  let network: Network;
  try {
    network = await Network.fromJSON(value as NetworkJSON);
  } catch (error) {
    if (error instanceof SimdnetError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }
  try {
    return { mlp: mlpOf(network), notes: [] };
  } finally {
    network.dispose();
  }
}

export async function run(argv: string[], io: Io): Promise<void> {
  const command = readCommand(COMMAND_LINE, argv, io);
  if (!command) return;
  const { values, args: [file] } = command;
  if (values.format === undefined) throw new UsageError('--format is needed: onnx or tfjs', 'export');
  const format: Format = choiceOption(values.format, 'format', FORMATS, 'onnx', 'export');
  const output = values.output;
  const what = format === 'onnx' ? 'the .onnx file' : 'the directory';
  if (output === undefined) throw new UsageError(`-o is needed: ${what} to write`, 'export');
  if (output === '-') throw new UsageError(`-o must name ${what} to write: export does not write to stdout`, 'export');
  if (format === 'onnx') expectWritable(output);
  const { mlp, columns, notes } = await readModel(file!);
  let wrote: string;
  if (format === 'onnx') {
    writeFile(output, mlpToONNX(mlp, columns ? { [METADATA_KEY]: JSON.stringify(columns) } : {}));
    wrote = output;
  } else {
    const { weightSpecs, weightData, ...rest } = mlpToTFJS(mlp, columns ? { [METADATA_KEY]: columns } : undefined);
    makeDirectory(output);
    const [modelJSON, weights] = [join(output, 'model.json'), join(output, 'weights.bin')];
    writeFile(weights, new Uint8Array(weightData));
    writeFile(modelJSON, `${JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] })}\n`);
    wrote = `${modelJSON} and ${weights}`;
  }
  for (const note of notes) println(io.stderr, `simdnet export: ${note}`);
  println(io.stderr, `simdnet export: wrote ${wrote}`);
}
