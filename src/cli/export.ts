// `simdnet export <model.json> --format onnx|tfjs -o <path>`: writes a saved model as an ONNX
// file, or as a TensorFlow.js model directory (model.json and weights.bin).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mlpToONNX } from '../formats/onnx/export.js';
import { mlpOf, type Mlp } from '../formats/mlp.js';
import { mlpToTFJS } from '../formats/tfjs/export.js';
import { Network, type NetworkJSON } from '../index.js';
import { choiceOption, readCommand } from './args.js';
import { CliError, UsageError } from './errors.js';
import { readText } from './files.js';
import { type Columns, foldFeatureScaling, foldTargetScaling, METADATA_KEY } from './interchange.js';
import { loadModel } from './model-file.js';

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

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
} as const;

/** The network of a model file with its preprocessing folded in, and the columns it reads and writes. */
async function readModel(file: string): Promise<{ mlp: Mlp; columns?: Columns; notes: string[] }> {
  let value: unknown;
  try {
    value = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file} is not JSON, so not a saved model or network`);
  }
  if ((value as { format?: unknown } | null)?.format === 'simdnet') {
    const net = await Network.fromJSON(value as NetworkJSON);
    try {
      return { mlp: mlpOf(net), notes: [] };
    } finally {
      net.dispose();
    }
  }
  const { model, network, scaling } = await loadModel(file);
  let mlp: Mlp;
  try {
    mlp = foldFeatureScaling(mlpOf(network), scaling);
  } finally {
    network.dispose();
  }
  const notes = [`the standardisation of the ${scaling.length} features is folded into the first layer: the exported network takes their raw values`];
  if (model.task === 'regression') {
    const { mean, std } = model.target as { mean: number; std: number };
    if (mlp.layers.at(-1)!.activation === 'linear') {
      mlp = foldTargetScaling(mlp, { mean, std });
      notes.push(`the target's standardisation is folded into the output layer: it predicts '${model.target.name}' in its own units`);
    } else {
      notes.push(`the output layer is not linear, so the target's standardisation is not included: multiply the outputs by ${std} and add ${mean}`);
    }
  }
  const columns: Columns = {
    task: model.task,
    features: model.features.map((f) => f.name),
    target: model.target.name,
    ...(model.target.classes ? { classes: model.target.classes } : {}),
  };
  return { mlp, columns, notes };
}

function write(path: string, data: Uint8Array | string): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<void> {
  const command = readCommand('export', argv, OPTIONS, help, ['model.json']);
  if (!command) return;
  const { values, args: [file] } = command;
  if (values.format === undefined) throw new UsageError('--format is needed: onnx or tfjs', 'export');
  const format: Format = choiceOption(values.format, 'format', FORMATS, 'onnx', 'export');
  const output = values.output;
  if (output === undefined) throw new UsageError(`-o is needed: the ${format === 'onnx' ? '.onnx file' : 'directory'} to write`, 'export');
  const { mlp, columns, notes } = await readModel(file!);
  const metadata = columns ? JSON.stringify(columns) : undefined;
  if (format === 'onnx') {
    write(output, mlpToONNX(mlp, metadata ? { [METADATA_KEY]: metadata } : {}));
  } else {
    const artifacts = mlpToTFJS(mlp, columns ? { [METADATA_KEY]: columns } : undefined);
    try {
      mkdirSync(output, { recursive: true });
    } catch (error) {
      throw new CliError(`cannot make the directory ${output}: ${(error as Error).message}`);
    }
    const { weightSpecs, weightData, ...rest } = artifacts;
    write(join(output, 'weights.bin'), new Uint8Array(weightData));
    write(join(output, 'model.json'), `${JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] })}\n`);
  }
  for (const note of notes) process.stderr.write(`simdnet export: ${note}\n`);
  const where = format === 'onnx' ? output : `${join(output, 'model.json')} and ${join(output, 'weights.bin')}`;
  process.stderr.write(`simdnet export: wrote ${where}\n`);
}
