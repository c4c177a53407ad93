// The public API shared by both entries: 'simdnet' (wasm embedded) and 'simdnet/slim' (wasm supplied by init).

export { type FormatConverters, type LayerWeightsInput, Network, registerFormats } from './network.js';
export type { History } from './engine.js';
export { ACTIVATIONS, activationFunction } from './activations.js';
export type {
  Activation, BackendChoice, Init, LayerConfig, Loss, NetworkConfig,
} from './config.js';
export type {
  AdagradConfig, AdamConfig, AdamwConfig, BatchLog, Callback, EpochLog, FitDatasetOptions, FitOptions, MomentumConfig, OptimizerConfig, OptimizerName,
  RmspropConfig, SgdConfig,
} from './fit-options.js';
export type { Dataset, DatasetBatch } from './training/batches.js';
export type { EarlyStoppingOptions } from './training/early-stopping.js';
export type { Monitor } from './training/monitor.js';
export type {
  CosineSchedule, ExponentialSchedule, LearningRateSchedule, ReduceOnPlateauSchedule, StepSchedule,
} from './training/schedule.js';
export type { ValidationSplitOption } from './training/validation.js';
export type { Matrix, Targets } from './data.js';
export type { EvaluateOptions, Evaluation, Metric } from './evaluation.js';
export * as metrics from './metrics.js';
export type { LayerJSON, LayerWeights, NetworkJSON } from './serialization.js';
export { type Backend, init, relaxedSimdSupported, simdSupported, type WasmSource } from './wasm/load.js';
export { type DivergenceReason, DivergenceError, NonFiniteOutputError, SimdnetError } from './errors.js';
export { gradientCheck, type GradientCheckOptions, type GradientCheckResult } from './gradient-check.js';
export {
  type CsvChunkOptions, type CsvOptions, type CsvStream, parseCsv, readCsv, readCsvChunks, readCsvFile,
} from './preprocessing/csv.js';
export {
  CsvCellError, type CsvCellProblem, CsvTable, type CsvTableParts, isMissingValue, type MissingCell, parseCsvNumber,
} from './preprocessing/csv-table.js';
export {
  MinMaxScaler, type MinMaxScalerJSON, type ScalerFitOptions, StandardScaler, type StandardScalerJSON,
} from './preprocessing/scalers.js';
export { argmax, argmaxRows, type Label, LabelEncoder, type LabelEncoderJSON } from './preprocessing/labels.js';
export { type Split, type SplitData, type SplitOptions, trainTestSplit } from './preprocessing/split.js';
export type { SameForm } from './preprocessing/matrix.js';
export {
  type ClassificationScore, type ConfusionCell, Model, type ModelInput, type ModelParts, type ModelTarget, type RegressionScore,
} from './model/model.js';
export { type FeatureJSON, type ModelJSON, type TargetJSON, type Task } from './model/model-json.js';
