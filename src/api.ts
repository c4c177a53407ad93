// The public API shared by both entries: 'simdnet' (wasm embedded) and 'simdnet/slim' (wasm supplied by init).

export { type FormatConverters, type LayerWeightsInput, Network, registerFormats } from './network.js';
export type { History } from './engine.js';
export type {
  Activation, BackendChoice, Init, LayerConfig, Loss, NetworkConfig,
} from './config.js';
export type {
  AdagradConfig, AdamConfig, AdamwConfig, BatchLog, Callback, EpochLog, FitOptions, MomentumConfig, OptimizerConfig, OptimizerName,
  RmspropConfig, SgdConfig,
} from './fit-options.js';
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
