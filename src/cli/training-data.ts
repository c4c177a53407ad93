// What `simdnet train` learns from a CSV file before it trains: which columns
// are the features and which the target, the task, the features'
// standardisation and the target's classes or scaling, all from one pass over
// the rows (whole, or a chunk at a time); and each chunk of rows encoded for
// the network with them.

import { type CsvTable, LabelEncoder, type ModelTarget, StandardScaler, type Task } from '../index.js';
import { formatCount, quoted, someOf } from '../text.js';
import type { TableOptions } from './args.js';
import { columnName, completeRows, DroppedRows, nothingLeft, numericColumns, TaskSurvey } from './dataset.js';
import { CliError, UsageError } from './errors.js';

const FEATURE_ADVICE = 'feature columns must be numeric (leave a column out with --drop)';
const REGRESSION_ADVICE = 'regression needs a numeric target (or use --task classification)';

/** The columns the command line names: the target, and the features (every other column but those dropped). */
export interface Columns {
  target: string;
  features: string[];
}

/** What training learns from the rows before it starts. */
export interface Preprocessing extends Columns {
  file: string;
  /** Rows trained on (after --drop-missing). */
  rows: number;
  task: Task;
  scaler: StandardScaler;
  /** The classes, for a classifier; the target's standardisation, for a regression. */
  labels?: LabelEncoder;
  targetScaler?: StandardScaler;
  /** What --drop-missing left out, to print before training. */
  note?: string;
}

/** The options that say how to read the rows: the table options and --target, --drop and --task. */
export interface DataOptions {
  table: TableOptions;
  target: string | undefined;
  drop: string | undefined;
  task: Task | undefined;
  /** Distinct labels kept while the task may still be classification; more is an error if it is. */
  maxClasses: number;
}

/** The target and features a table's columns give for --target and --drop. */
export function chooseColumns(table: CsvTable, target: string | undefined, drop: string | undefined): Columns {
  const targetName = columnName(table, target ?? '-1', '--target');
  const dropped = new Set((drop ?? '').split(',').filter((s) => s.trim() !== '').map((s) => columnName(table, s, '--drop')));
  if (dropped.has(targetName)) throw new UsageError(`--drop names the target column ${quoted(targetName)}`, 'train');
  const features = table.columns.filter((name) => name !== targetName && !dropped.has(name));
  if (features.length === 0) throw new UsageError(`${table.source} has no feature columns besides the target`, 'train');
  return { target: targetName, features };
}

/**
 * Reads every row once (the tables of a file, in order) and learns what training needs. Every
 * problem with the data (a missing value without --drop-missing, a cell that is not a number)
 * is found here, before training.
 */
export async function survey(file: string, tables: AsyncIterable<CsvTable> | Iterable<CsvTable>, options: DataOptions): Promise<Preprocessing> {
  let columns: Columns | undefined;
  const scaler = new StandardScaler();
  const target = new TargetSurvey(options.task, options.maxClasses);
  const dropped = new DroppedRows();
  let rows = 0;
  for await (const read of tables) {
    columns ??= chooseColumns(read, options.target, options.drop);
    const table = completeRows(read, [...columns.features, columns.target], options.table.dropMissing, dropped);
    if (table.rowCount === 0) continue;
    rows += table.rowCount;
    scaler.partialFit(numericColumns(table, columns.features, FEATURE_ADVICE), { width: columns.features.length });
    target.add(table, columns.target);
  }
  if (rows === 0) throw nothingLeft(file);
  const { features, target: targetName } = columns!;
  const { note } = dropped;
  return { file, rows, features, target: targetName, scaler, ...target.finish(file, targetName), ...(note === undefined ? {} : { note }) };
}

/** The rows of a table the network trains on: rows with missing values left out, features standardised, targets encoded. */
export function encode(read: CsvTable, data: Preprocessing, dropMissing: boolean): { x: Float32Array; y: Float32Array; rows: number } {
  const table = completeRows(read, [...data.features, data.target], dropMissing, new DroppedRows());
  const x = data.scaler.transform(numericColumns(table, data.features, FEATURE_ADVICE));
  const y = data.labels
    ? data.labels.oneHot(table.column(data.target))
    : data.targetScaler!.transform(numericColumns(table, [data.target], REGRESSION_ADVICE));
  return { x, y, rows: table.rowCount };
}

/**
 * The rows of a validation file, encoded as the training rows are: its columns found by name,
 * its classes among the training file's.
 */
export function encodeValidation(read: CsvTable, data: Preprocessing, dropMissing: boolean): { x: Float32Array; y: Float32Array; rows: number; note?: string } {
  const columns = [...data.features, data.target];
  const missing = columns.filter((name) => !read.columns.includes(name));
  if (missing.length > 0) {
    throw new CliError(`${read.source} lacks the column${missing.length > 1 ? 's' : ''} ${someOf(missing.map(quoted))} of the training file ${data.file}`);
  }
  const dropped = new DroppedRows(read.source);
  const table = completeRows(read, columns, dropMissing, dropped);
  if (table.rowCount === 0) throw nothingLeft(read.source);
  if (data.labels) {
    const classes = data.labels.classes;
    const target = table.columnIndex(data.target);
    table.column(data.target).forEach((label, r) => {
      if (!classes.includes(label)) {
        throw new CliError(
          `${table.cellName(r, target)}: ${quoted(label)} is not one of the training file's classes (${someOf(classes.map(quoted))})`,
        );
      }
    });
  }
  const { note } = dropped;
  return { ...encode(table, data, false), ...(note === undefined ? {} : { note }) };
}

/** The target as a Model takes it. */
export function modelTarget(data: Preprocessing): ModelTarget {
  return data.labels ? { name: data.target, labels: data.labels } : { name: data.target, scaler: data.targetScaler! };
}

/**
 * What the target column holds, a table at a time: whether it reads as classes or values
 * (unless --task says), its distinct labels while it may be classes, and the scaling of its
 * values while it may be a regression.
 */
class TargetSurvey {
  readonly #task: Task | undefined;
  readonly #maxClasses: number;
  readonly #inferred = new TaskSurvey();
  /** Distinct labels; null once there are more than maxClasses. */
  #labels: Set<string> | null = new Set();
  readonly #scaler = new StandardScaler();
  /** Why the values cannot be a regression's targets, while the task may still turn out to be classes. */
  #notValues: Error | undefined;

  constructor(task: Task | undefined, maxClasses: number) {
    this.#task = task;
    this.#maxClasses = maxClasses;
  }

  add(table: CsvTable, column: string): void {
    const cells = table.column(column);
    this.#inferred.add(cells);
    if (this.#task !== 'regression' && this.#labels) {
      for (const cell of cells) this.#labels.add(cell);
      if (this.#labels.size > this.#maxClasses) this.#labels = null;
    }
    if (this.#task === 'classification' || this.#notValues || !(this.#task === 'regression' || this.#inferred.allNumbers)) return;
    try {
      this.#scaler.partialFit(numericColumns(table, [column], REGRESSION_ADVICE), { width: 1 });
    } catch (error) {
      if (this.#task === 'regression') throw error;
      this.#notValues = error as Error;
    }
  }

  finish(file: string, name: string): Pick<Preprocessing, 'task' | 'labels' | 'targetScaler'> {
    const task = this.#task ?? this.#inferred.task;
    if (task === 'regression') {
      if (this.#notValues) throw this.#notValues;
      return { task, targetScaler: this.#scaler };
    }
    if (!this.#labels) {
      throw new CliError(
        `${file}: the target column ${quoted(name)} has more than ${formatCount(this.#maxClasses)} distinct labels, too many to learn as classes`,
      );
    }
    const labels = [...this.#labels];
    if (labels.length < 2) {
      throw new UsageError(`the target column ${quoted(name)} has only one class (${quoted(labels[0]!)}): nothing to learn`, 'train');
    }
    return { task, labels: new LabelEncoder().fit(labels) };
  }
}
