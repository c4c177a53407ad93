// A trained network with what it takes to use it on raw data: the columns it
// reads, their standardisation, and what its outputs mean (the classes, or the
// target's units). `simdnet train --save` writes one; Model.load reads it, and
// a Model built from a network and the preprocessing helpers saves the same.

import type { BackendChoice } from '../config.js';
import type { Matrix } from '../data.js';
import { describe, NonFiniteOutputError, SimdnetError } from '../errors.js';
import { accuracy, meanAbsoluteError, meanSquaredError, r2 } from '../metrics.js';
import { Network } from '../network.js';
import { parseCsv } from '../preprocessing/csv.js';
import { CsvTable, isMissingValue, parseCsvNumber } from '../preprocessing/csv-table.js';
import { argmax, type Label, LabelEncoder } from '../preprocessing/labels.js';
import { readNumeric } from '../preprocessing/matrix.js';
import { StandardScaler } from '../preprocessing/scalers.js';
import { formatCount, quoted, someOf } from '../text.js';
import { plainObject } from '../validate.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelDescription, type ModelJSON, parseModelJSON, type Task } from './model-json.js';

/**
 * Rows a model predicts: a CsvTable or CSV text with a header naming its columns, objects
 * keyed by column name (numbers, or text that reads as numbers), or the features' values in
 * the model's feature order (rows of numbers, or flat).
 */
export type ModelInput = CsvTable | string | readonly Readonly<Record<string, unknown>>[] | Matrix;

/** The predicted column: its classes, for a classifier, or the scaling of its values, for a regression. */
export type ModelTarget =
  | { name: string; labels: LabelEncoder<Label> }
  | { name: string; scaler?: StandardScaler };

export interface ModelParts {
  /** The trained network: its inputs are the features, its outputs the classes' probabilities (softmax) or the one standardised target. */
  network: Network;
  /** The columns the network takes, in its input order. */
  features: readonly string[];
  /** The features' standardisation, fitted on the training rows (default: none, the values go in as they are). */
  scaler?: StandardScaler;
  target: ModelTarget;
  /** How it was trained, saved with it for the record. */
  training?: Record<string, unknown>;
}

/** A cell of the confusion matrix: rows of class `actual` predicted as `predicted`. */
export interface ConfusionCell {
  actual: string;
  predicted: string;
  rows: number;
}

export interface ClassificationScore {
  task: 'classification';
  rows: number;
  /** The fraction of rows whose predicted class is theirs. */
  accuracy: number;
  /** Mean cross-entropy, −log of the probability given to each row's class (at least 1e-7). */
  loss: number;
  classes: string[];
  /** The confusion matrix's cells that are not 0, the most frequent first. */
  confusionCells: ConfusionCell[];
}

export interface RegressionScore {
  task: 'regression';
  rows: number;
  /** Mean squared error, in the target's units squared. */
  mse: number;
  rmse: number;
  /** Mean absolute error. */
  mae: number;
  /** Coefficient of determination; NaN when the target is constant. */
  r2: number;
}

/** Smallest probability taken in the log of the loss, so a confident mistake costs a finite amount. */
const MIN_PROBABILITY = 1e-7;
/** Outputs computed per call to the network at most (a chunk of rows), so that memory stays bounded however many classes. */
const CHUNK_OUTPUTS = 1 << 20;

/** A row's target, and where it is: the row as messages name it, and the column when it is one. */
interface TargetCell {
  value: unknown;
  row: string;
  column?: string;
}

/** Rows made ready for the network, and how messages name them. */
interface Prepared {
  /** The standardised features, row-major. */
  x: Float32Array;
  rows: number;
  /** Names a row: "iris.csv: line 7", "rows[6]". */
  rowName(r: number): string;
  /** Row r's target, when the input holds it (a CSV column or an object key): its value, and its row and column for messages. */
  target?: (r: number) => TargetCell;
}

/** An input's features before standardisation, with how messages name its cells. */
interface RawRows extends Omit<Prepared, 'x' | 'rows'> {
  /** The features as given, row-major. */
  x: Float32Array;
  /** Names row r's feature j: "iris.csv: line 7, column 'a'", "rows[6][0]". */
  cellName(r: number, j: number): string;
  /** The value of row r's feature j as given. */
  cellText(r: number, j: number): string;
}

export class Model {
  readonly network: Network;
  readonly task: Task;
  readonly features: readonly string[];
  readonly scaler: StandardScaler;
  readonly target: Readonly<{ name: string; labels: LabelEncoder<string> } | { name: string; scaler: StandardScaler }>;
  readonly training: Record<string, unknown> | undefined;
  readonly #description: ModelDescription;

  /** A model of a trained network and the preprocessing it was trained with; the model uses the network, it does not copy it. */
  constructor(parts: ModelParts) {
    const o = plainObject(parts, 'new Model', ['network', 'features', 'scaler', 'target', 'training']);
    if (!(o.network instanceof Network)) throw new SimdnetError(`new Model: network must be a Network, got ${describe(o.network)}`);
    if (!Array.isArray(o.features)) throw new SimdnetError(`new Model: features must be the names of the network's inputs, got ${describe(o.features)}`);
    const network = o.network;
    const scaler = o.scaler ?? identityScaler(o.features.length);
    if (!(scaler instanceof StandardScaler) || !scaler.fitted) {
      throw new SimdnetError(`new Model: scaler must be a fitted StandardScaler (or none), got ${describe(scaler)}`);
    }
    if (scaler.width !== o.features.length) {
      throw new SimdnetError(`new Model: the scaler was fitted on ${scaler.width} columns, but there are ${o.features.length} features`);
    }
    const target = plainObject(o.target, 'new Model: target', ['name', 'labels', 'scaler']);
    const labels = target.labels;
    if (labels !== undefined && (!(labels instanceof LabelEncoder) || labels.classes.length === 0)) {
      throw new SimdnetError(`new Model: target.labels must be a fitted LabelEncoder, got ${describe(labels)}`);
    }
    const targetScaler = target.scaler ?? identityScaler(1);
    if (labels && target.scaler !== undefined) throw new SimdnetError('new Model: a target has labels (a classifier) or a scaler (a regression), not both');
    if (!(targetScaler instanceof StandardScaler) || targetScaler.width !== 1) {
      throw new SimdnetError(`new Model: target.scaler must be a StandardScaler fitted on one column, got ${describe(targetScaler)}`);
    }
    const description = parseModelJSON({
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      task: labels ? 'classification' : 'regression',
      features: o.features.map((name: unknown, j: number) => ({ name, mean: scaler.mean[j], std: scaler.std[j] })),
      target: labels
        ? { name: target.name, classes: labels.classes.map(String) }
        : { name: target.name, mean: targetScaler.mean[0], std: targetScaler.std[0] },
      network: {},
      ...(o.training === undefined ? {} : { training: o.training }),
    }, 'new Model');
    checkNetwork(description, network, 'new Model');
    const preprocessing = preprocessingOf(description);
    this.network = network;
    this.task = description.task;
    this.features = preprocessing.features;
    this.scaler = preprocessing.scaler;
    this.target = preprocessing.target;
    this.training = description.training;
    this.#description = description;
  }

  /**
   * Reads a saved model (its JSON text or the parsed object) and builds its network. Every field
   * is checked; messages start with options.source (a file name, say; default 'Model.load').
   */
  static async load(json: ModelJSON | string, options: { source?: string; backend?: BackendChoice } = {}): Promise<Model> {
    const o = plainObject(options, 'Model.load options', ['source', 'backend']);
    const source = typeof o.source === 'string' ? o.source : 'Model.load';
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch {
        throw new SimdnetError(`${source} is not JSON, so not a saved model`);
      }
    }
    const description = parseModelJSON(value, source);
    let network: Network;
    try {
      network = await Network.fromJSON(description.network as ModelJSON['network'], o.backend === undefined ? {} : { backend: o.backend as BackendChoice });
    } catch (error) {
      if (error instanceof SimdnetError) throw new SimdnetError(`${source}: ${inModelFile(error.message)}`);
      throw error;
    }
    try {
      checkNetwork(description, network, source);
      const { training } = description;
      return new Model({ network, ...preprocessingOf(description), ...(training === undefined ? {} : { training }) });
    } catch (error) {
      network.dispose();
      throw error;
    }
  }

  /** A classifier's classes, in the order of its outputs; undefined for a regression. */
  get classes(): string[] | undefined {
    return this.#description.target.classes?.slice();
  }

  /** The predicted class of each row (a classifier), or the predicted value in the target's units (a regression). */
  predict(input: ModelInput): string[] | number[] {
    const classes = this.#description.target.classes;
    const out: (string | number)[] = [];
    this.#forEachOutput(this.#prepare(input, false), (p) => out.push(classes ? classes[argmax(p)]! : p[0]!));
    return out as string[] | number[];
  }

  /** A classifier's probability of each class (in the order of classes), for each row. */
  predictProbabilities(input: ModelInput): number[][] {
    if (this.task !== 'classification') throw new SimdnetError('predictProbabilities: this model is a regression, which predicts values, not classes');
    const out: number[][] = [];
    this.#forEachOutput(this.#prepare(input, false), (p) => out.push(Array.from(p)));
    return out;
  }

  /** Every row's outputs, row-major: the classes' probabilities, or the value in the target's units. */
  outputs(input: ModelInput): Float32Array {
    const prepared = this.#prepare(input, false);
    const k = this.network.outputs;
    const out = new Float32Array(prepared.rows * k);
    this.#forEachOutput(prepared, (p, r) => out.set(p, r * k));
    return out;
  }

  /**
   * Scores the model on rows whose targets are known: the class labels or values given, or
   * the target column (or key) of a table, CSV text or objects.
   */
  evaluate(input: ModelInput, targets?: ArrayLike<unknown>): ClassificationScore | RegressionScore {
    const prepared = this.#prepare(input, true);
    const target = targets === undefined ? prepared.target : givenTargets(targets, prepared.rows);
    if (!target) {
      throw new SimdnetError(`evaluate needs the targets: give them as its second argument, or give rows that hold the column ${quoted(this.#description.target.name)}`);
    }
    return this.task === 'classification' ? this.#scoreClasses(prepared, target) : this.#scoreValues(prepared, target);
  }

  /**
   * The columns of a table that hold the model's features, in order: by name, or by position in
   * a table without a header that has just as many columns.
   */
  featureColumns(table: CsvTable): string[] {
    const features = this.features;
    const missing = features.filter((name) => !table.columns.includes(name));
    if (missing.length === 0) return [...features];
    if (!table.hasHeader && table.columns.length === features.length) return [...table.columns];
    throw new SimdnetError(
      table.hasHeader
        ? `${table.source} lacks the column${missing.length > 1 ? 's' : ''} ${someOf(missing)} that the model takes as input`
        : `${table.source} has no header line and ${table.columns.length} columns, but the model takes ${features.length} ` +
            `features (${someOf(features)}); add a header naming them`,
    );
  }

  /** The model as saved: JSON.stringify(model) is the text `simdnet predict` and Model.load read. */
  toJSON(): ModelJSON {
    return { ...this.#description, network: this.network.toJSON() };
  }

  /** Frees the network's memory. */
  dispose(): void {
    this.network.dispose();
  }

  #scoreClasses(prepared: Prepared, target: NonNullable<Prepared['target']>): ClassificationScore {
    const classes = this.#description.target.classes!;
    const k = classes.length;
    const index = new Map(classes.map((label, c) => [label, c]));
    const actual = Int32Array.from({ length: prepared.rows }, (_, r) => {
      const { value, row, column } = target(r);
      const inColumn = column === undefined ? '' : ` in column ${quoted(column)}`;
      const label = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
      if (label === undefined) throw new SimdnetError(`${row} has no class label${inColumn}: got ${describe(value)}`);
      const c = index.get(label);
      if (c !== undefined) return c;
      if (isMissingValue(label)) throw new SimdnetError(`${row} has no class${inColumn}${label ? ` (${quoted(label)})` : ''}`);
      throw new SimdnetError(
        `${row} has class ${quoted(label)}${inColumn}, which the model does not know; ` +
          `its ${formatCount(k)} classes are ${someOf(classes.map(quoted))}`,
      );
    });
    // Counted sparsely: a model of many classes has far more cells than rows.
    const counts = new Map<number, number>();
    const predicted = new Int32Array(prepared.rows);
    let loss = 0;
    this.#forEachOutput(prepared, (p, r) => {
      const a = actual[r]!;
      const c = (predicted[r] = argmax(p));
      counts.set(a * k + c, (counts.get(a * k + c) ?? 0) + 1);
      loss -= Math.log(Math.max(p[a]!, MIN_PROBABILITY));
    });
    const confusionCells = Array.from(counts, ([cell, rows]) => ({ actual: Math.floor(cell / k), predicted: cell % k, rows }))
      .sort((x, y) => y.rows - x.rows || x.actual - y.actual || x.predicted - y.predicted)
      .map((c) => ({ actual: classes[c.actual]!, predicted: classes[c.predicted]!, rows: c.rows }));
    const rows = prepared.rows;
    return { task: 'classification', rows, accuracy: accuracy(actual, predicted), loss: loss / rows, classes: [...classes], confusionCells };
  }

  #scoreValues(prepared: Prepared, target: NonNullable<Prepared['target']>): RegressionScore {
    const actual = Float64Array.from({ length: prepared.rows }, (_, r) => {
      const { value, row, column } = target(r);
      const number = typeof value === 'string' ? parseCsvNumber(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(Math.fround(number))) {
        const what = typeof value === 'string' ? quoted(value.trim()) : describe(value);
        const where = column === undefined ? row : `${row}, column ${quoted(column)}`;
        throw new SimdnetError(`${where} holds ${what}, not a finite float32 number; the model predicts numbers for this column`);
      }
      return Math.fround(number);
    });
    const predicted = new Float64Array(prepared.rows);
    this.#forEachOutput(prepared, ([value], r) => (predicted[r] = value!));
    const mse = meanSquaredError(actual, predicted);
    return {
      task: 'regression', rows: prepared.rows, mse, rmse: Math.sqrt(mse), mae: meanAbsoluteError(actual, predicted), r2: r2(actual, predicted),
    };
  }

  /**
   * Predicts the rows a chunk at a time and calls visit with each row's outputs: the classes'
   * probabilities, or the value in the target's units. An output that is not a finite float32
   * number is a NonFiniteOutputError naming the row.
   */
  #forEachOutput(prepared: Prepared, visit: (outputs: Float32Array, row: number) => void): void {
    const { x, rows, rowName } = prepared;
    const width = this.features.length;
    const k = this.network.outputs;
    const { mean, std } = this.#description.target;
    const chunk = Math.max(1, Math.floor(CHUNK_OUTPUTS / k));
    const overflow = (r: number) => new NonFiniteOutputError(
      `${rowName(r)}: the model's output is not a finite number (its weights or scaling overflow float32 on this row)`,
      r,
    );
    for (let start = 0; start < rows; start += chunk) {
      const end = Math.min(rows, start + chunk);
      let outputs: Float32Array;
      try {
        outputs = this.network.predict(x.subarray(start * width, end * width));
      } catch (error) {
        if (error instanceof NonFiniteOutputError && error.row !== null) throw overflow(start + error.row);
        throw error;
      }
      if (this.task === 'regression') for (let i = 0; i < outputs.length; i++) outputs[i] = outputs[i]! * std! + mean!;
      for (let r = start; r < end; r++) {
        const p = outputs.subarray((r - start) * k, (r - start + 1) * k);
        if (!p.every(Number.isFinite)) throw overflow(r);
        visit(p, r);
      }
    }
  }

  /** The input's features, standardised; a value that standardises beyond float32 is an error naming it. */
  #prepare(input: ModelInput, withTarget: boolean): Prepared {
    const raw = typeof input === 'string' || input instanceof CsvTable
      ? this.#fromTable(typeof input === 'string' ? parseCsv(input) : input, withTarget)
      : Array.isArray(input) && input.length > 0 && isRecord(input[0])
        ? this.#fromRecords(input as readonly Record<string, unknown>[], withTarget)
        : this.#fromMatrix(input as Matrix);
    const x = this.scaler.transform(raw.x);
    const width = this.features.length;
    const overflow = x.findIndex((v) => !Number.isFinite(v));
    if (overflow >= 0) {
      const [r, j] = [Math.floor(overflow / width), overflow % width];
      const { mean, std } = this.#description.features[j]!;
      throw new SimdnetError(`${raw.cellName(r, j)}: ${raw.cellText(r, j)} standardises to a value beyond float32 (the model's mean ${mean}, std ${std})`);
    }
    return { x, rows: raw.x.length / width, rowName: raw.rowName, ...(raw.target ? { target: raw.target } : {}) };
  }

  #fromTable(table: CsvTable, withTarget: boolean): RawRows {
    const columns = this.featureColumns(table);
    const indices = columns.map((name) => table.columnIndex(name));
    const targetName = this.#description.target.name;
    const targetColumn = withTarget && table.columns.includes(targetName) ? table.columnIndex(targetName) : -1;
    return {
      x: table.toFloat32Array(columns),
      cellName: (r: number, j: number) => table.cellName(r, indices[j]!),
      cellText: (r: number, j: number) => table.rows[r]![indices[j]!]!.trim(),
      rowName: (r: number) => `${table.source}: line ${table.lines[r]}`,
      ...(targetColumn < 0 ? {} : {
        target: (r: number) => ({ value: table.rows[r]![targetColumn], row: `${table.source}: line ${table.lines[r]}`, column: targetName }),
      }),
    };
  }

  #fromRecords(records: readonly Record<string, unknown>[], withTarget: boolean): RawRows {
    const features = this.features;
    const x = new Float32Array(records.length * features.length);
    const cellName = (r: number, j: number) => `rows[${r}][${quoted(features[j]!)}]`;
    records.forEach((record, r) => {
      if (!isRecord(record)) throw new SimdnetError(`rows[${r}] must be an object keyed by column name, as rows[0] is, got ${describe(record)}`);
      features.forEach((name, j) => {
        if (!Object.hasOwn(record, name)) throw new SimdnetError(`rows[${r}] lacks the feature ${quoted(name)}`);
        const value = record[name];
        const number = typeof value === 'string' ? parseCsvNumber(value) : value;
        if (typeof number !== 'number' || !Number.isFinite(Math.fround(number))) {
          throw new SimdnetError(`${cellName(r, j)} must be a finite float32 number (or text that reads as one), got ${describe(value)}`);
        }
        x[r * features.length + j] = number;
      });
    });
    const targetName = this.#description.target.name;
    return {
      x,
      cellName,
      cellText: (r: number, j: number) => String(records[r]![features[j]!]),
      rowName: (r: number) => `rows[${r}]`,
      ...(withTarget && records.every((record) => Object.hasOwn(record, targetName)) ? {
        target: (r: number) => ({ value: records[r]![targetName], row: `rows[${r}]`, column: targetName }),
      } : {}),
    };
  }

  #fromMatrix(input: Matrix): RawRows {
    const width = this.features.length;
    const m = readNumeric(input, 'rows', width, `the model's ${width} features`);
    const x = Float32Array.from(m.values);
    const beyond = x.findIndex((v) => !Number.isFinite(v));
    const cellName = (r: number, j: number) => (m.form === 'rows' ? `rows[${r}][${j}]` : `rows[${r * width + j}] (row ${r}, column ${j})`);
    if (beyond >= 0) {
      throw new SimdnetError(`${cellName(Math.floor(beyond / width), beyond % width)} is ${m.values[beyond]}, beyond the float32 range the network computes in`);
    }
    return {
      x,
      cellName,
      cellText: (r: number, j: number) => String(m.values[r * width + j]),
      rowName: (r: number) => `rows[${r}]`,
    };
  }
}

/** The preprocessing a model's description holds, as the helpers that apply it. */
function preprocessingOf({ features, target }: ModelDescription) {
  const { name, classes, mean, std } = target;
  return {
    features: features.map((f) => f.name),
    scaler: StandardScaler.fromJSON({ mean: features.map((f) => f.mean), std: features.map((f) => f.std) }),
    target: classes ? { name, labels: new LabelEncoder(classes) } : { name, scaler: StandardScaler.fromJSON({ mean: [mean!], std: [std!] }) },
  };
}

/** The features and target of a model's description agree with its network's inputs and outputs. */
function checkNetwork(model: ModelDescription, network: Network, source: string): void {
  const outputs = model.target.classes?.length ?? 1;
  if (network.inputs !== model.features.length || network.outputs !== outputs) {
    throw new SimdnetError(
      `${source}: the network takes ${network.inputs} inputs and gives ${network.outputs} outputs, ` +
        `but the model lists ${model.features.length} features and ${outputs} outputs`,
    );
  }
  const layers = network.config.layers;
  const activation = layers.at(-1)!.activation;
  if (model.task === 'classification' && activation !== 'softmax') {
    throw new SimdnetError(
      `${source}: network.layers[${layers.length - 1}].activation must be 'softmax' in a classification model ` +
        `(its outputs are the classes' probabilities), got ${quoted(activation)}`,
    );
  }
}

// The library names a field of a network from the network's top ('fromJSON: layers[0].units',
// 'config.loss'); in a model the network is the field "network".
function inModelFile(message: string): string {
  const [prefix] = /^(?:fromJSON: (?:the network\b)?|config\.)/.exec(message) ?? [''];
  if (!prefix) return `network: ${message}`;
  return `network${prefix.endsWith('network') ? '' : '.'}${message.slice(prefix.length)}`;
}

/** Targets given beside the rows: one per row. */
function givenTargets(targets: ArrayLike<unknown>, rows: number): NonNullable<Prepared['target']> {
  if (typeof targets !== 'object' || targets === null || targets.length !== rows) {
    throw new SimdnetError(`evaluate: targets must have one value for each of the ${rows} rows, got ${describe(targets)}`);
  }
  return (r) => ({ value: targets[r], row: `targets[${r}]` });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** Mean 0 and std 1 for every column: a scaler that changes nothing. */
function identityScaler(width: number): StandardScaler {
  return StandardScaler.fromJSON({ mean: new Array<number>(width).fill(0), std: new Array<number>(width).fill(1) });
}
