// The contract between the TypeScript façade and the AssemblyScript kernels:
// identifiers, and the byte layout of the records the façade writes into
// linear memory for the kernels to read. Both compilers build this file (asc
// from assembly/, tsc from src/), so it holds nothing but integer constants.
// The wasm module re-exports every constant, and test/abi.spec.ts checks that
// a built module agrees with this file.

// Activation ids.
export const ACT_LINEAR = 0;
export const ACT_SIGMOID = 1;
export const ACT_TANH = 2;
export const ACT_RELU = 3;
export const ACT_LEAKY_RELU = 4;
export const ACT_SOFTMAX = 5;
export const ACT_ELU = 6;
export const ACT_SELU = 7;
export const ACT_GELU = 8;
export const ACT_SOFTPLUS = 9;
export const ACT_SWISH = 10;
export const ACT_SOFTSIGN = 11;
export const ACT_HARD_SIGMOID = 12;

// Loss ids.
export const LOSS_SQUARED_ERROR = 0;
export const LOSS_BINARY_CROSSENTROPY = 1;
export const LOSS_CATEGORICAL_CROSSENTROPY = 2;
export const LOSS_MEAN_ABSOLUTE_ERROR = 3;
export const LOSS_HUBER = 4;
export const LOSS_SPARSE_CATEGORICAL_CROSSENTROPY = 5; // targets: one class index per row, as a float

// Optimizer ids.
export const OPT_SGD = 0;
export const OPT_MOMENTUM = 1;
export const OPT_ADAM = 2;
export const OPT_RMSPROP = 3;
export const OPT_ADAGRAD = 4;
export const OPT_ADAMW = 5;

// Learning-rate schedule ids: how the kernels derive each step's rate from the base rate.
export const SCHEDULE_CONSTANT = 0;
export const SCHEDULE_STEP = 1; // × factor every `period` epochs
export const SCHEDULE_EXPONENTIAL = 2; // × factor^(step / period), or ^⌊step / period⌋ with staircase
export const SCHEDULE_COSINE = 3; // linear warmup, then cosine decay over `period` steps to factor × base

// Gradient clipping ids.
export const CLIP_NONE = 0;
export const CLIP_VALUE = 1; // each element into [−limit, limit]
export const CLIP_NORM = 2; // the whole gradient scaled to a global L2 norm of at most limit

// How accuracy is counted: not at all, per output unit thresholded at 0.5,
// per row by comparing the arg-max of output and target, or per row by
// comparing the arg-max of the output with the target's class index.
export const ACC_NONE = 0;
export const ACC_BINARY = 1;
export const ACC_ARGMAX = 2;
export const ACC_INDEX = 3;

// Layer flags.
export const LAYER_HAS_BIAS = 1;
export const LAYER_TRAIN_BIAS = 2;

// Network record: a header, then one layer record per layer. Pointers are
// byte addresses in linear memory; every field is 4 bytes (i32 or f32).
export const NET_LAYER_COUNT = 0;
export const NET_LOSS = 4;
export const NET_ACCURACY = 8;
export const NET_PARAMS = 12; // first parameter of the contiguous block
export const NET_GRADS = 16; // gradients, laid out exactly like the parameters
export const NET_PARAM_COUNT = 20; // floats in either block, a multiple of 4
export const NET_CAPACITY = 24; // rows the activation and delta buffers hold
export const NET_SCRATCH = 28; // room for the largest transposed weight matrix
export const NET_BATCH_X = 32; // gathered input rows of a shuffled batch
export const NET_BATCH_Y = 36; // gathered target rows of a shuffled batch
export const NET_THREADS = 40; // threads its passes may be split across (threaded build)
export const NET_HUBER_DELTA = 44; // f32: where the Huber loss turns from quadratic to linear
export const NET_HEADER_BYTES = 48;

export const LAYER_INPUTS = 0;
export const LAYER_UNITS = 4;
export const LAYER_ACTIVATION = 8;
export const LAYER_ALPHA = 12; // f32: leakyRelu's slope for negative inputs
export const LAYER_FLAGS = 16;
export const LAYER_WEIGHTS = 20; // inputs × units, row-major
export const LAYER_BIAS = 24; // units floats, 0 when the layer has no bias
export const LAYER_WEIGHT_GRADS = 28;
export const LAYER_BIAS_GRADS = 32;
export const LAYER_OUTPUTS = 36; // capacity × units activations
export const LAYER_DELTAS = 40; // capacity × units deltas
export const LAYER_PREACTIVATIONS = 44; // capacity × units Z, kept when the slope needs Z (gelu, swish); else 0
export const LAYER_DROPOUT = 48; // f32: the rate at which training drops the layer's outputs
export const LAYER_DROPPED = 52; // capacity × units outputs after dropout, which training feeds on; 0 without dropout
export const LAYER_PANELS = 56; // the weights packed as a product reads them (gemm.ts panelBytes), for training on threads; else 0
export const LAYER_BYTES = 64;

// Training-run record, written by the façade before a fit and advanced by
// the kernels as batches run, so a fit can be cut into chunks anywhere.
export const RUN_OPTIMIZER = 0;
export const RUN_LEARNING_RATE = 4; // f32: the base rate, which the schedule scales
export const RUN_BETA1 = 8; // f32, Adam and AdamW
export const RUN_BETA2 = 12; // f32, Adam and AdamW
export const RUN_EPSILON = 16; // f32, Adam, AdamW, RMSprop and Adagrad
export const RUN_MOMENTUM = 20; // f32, momentum
export const RUN_NESTEROV = 24; // i32 0/1
export const RUN_L2 = 28; // f32 λ
export const RUN_STEP = 32; // i32: optimizer steps taken so far, by this fit and the ones it continues
export const RUN_STATE1 = 36; // velocity (momentum), first moment (Adam), mean square (RMSprop) or sum of squares (Adagrad)
export const RUN_STATE2 = 40; // second moment (Adam)
export const RUN_X = 44; // the training rows staged whole (unused when the host stages each batch)
export const RUN_Y = 48;
export const RUN_ROWS = 52;
export const RUN_ORDER = 56; // u32 row indices visited in order, 0 to read rows as stored
export const RUN_BATCH_SIZE = 60;
export const RUN_VAL_X = 64;
export const RUN_VAL_Y = 68;
export const RUN_VAL_ROWS = 72;
export const RUN_EPOCHS = 76; // epochs requested
export const RUN_EPOCH = 80; // epoch in progress, counted from 0
export const RUN_BATCH = 84; // next batch of that epoch
export const RUN_STATUS = 88;
export const RUN_STATS = 92; // one STATS record per epoch, indexed by epoch % capacity
export const RUN_STATS_CAPACITY = 96;
export const RUN_RNG = 100; // 4 × u32 xoshiro128** state, used to shuffle
export const RUN_SNAPSHOT0 = 116; // the parameters as an even epoch (from 0) began
export const RUN_BATCH_LOSS = 120; // f64: objective of the last batch trained
export const RUN_SNAPSHOT1 = 128; // the parameters as an odd epoch began
export const RUN_DIVERGED = 132; // why the run diverged: one of DIVERGED_*
export const RUN_DIVERGED_BATCH = 136; // the batch (from 0) whose objective was not finite
export const RUN_RESTORED_EPOCH = 140; // the epoch (from 0) whose start divergence restored
export const RUN_RNG_SNAPSHOTS = 144; // 2 × 4 × u32: the generator state as those epochs began
export const RUN_RHO = 176; // f32, RMSprop's decay of the mean square
export const RUN_WEIGHT_DECAY = 180; // f32, AdamW's decoupled decay λ
export const RUN_L1 = 184; // f32 λ1
export const RUN_CLIP = 188; // one of CLIP_*
export const RUN_CLIP_LIMIT = 192; // f32
export const RUN_SCHEDULE = 196; // one of SCHEDULE_*
export const RUN_SCHEDULE_PERIOD = 200; // i32: epochs (step) or steps (exponential, cosine)
export const RUN_SCHEDULE_FACTOR = 204; // f32: the factor (step), decay rate (exponential) or floor α (cosine)
export const RUN_SCHEDULE_WARMUP = 208; // i32: cosine's warmup steps
export const RUN_SCHEDULE_STAIRCASE = 212; // i32 0/1: exponential decay by whole periods
export const RUN_EPOCHS_BEFORE = 216; // i32: epochs trained by the fits this one continues
export const RUN_HEAD_X = 220; // the rows the final weights are checked on: the first training rows as stored
export const RUN_HEAD_Y = 224;
export const RUN_HEAD_ROWS = 228;
export const RUN_EPOCH_BATCHES = 232; // batches in an epoch (of a stream: in the last one that ended)
export const RUN_WEIGHTS = 236; // f32 weight of each training row, 0 when every row weighs 1
export const RUN_BATCH_WEIGHTS = 240; // gathered weights of a shuffled batch
export const RUN_PANELS_READY = 244; // i32 0/1: the last batch packed every layer's panels after its step, and nothing has changed the weights since
export const RUN_FIRST_BLOCKS = 248; // the first layer's weights, gradients and optimizer states by blocks of columns (train.ts), or 0
export const RUN_FIRST_BLOCKED = 252; // i32: blocks the first layer's parameters are held in there now, 0 when the layer's own hold them
export const RUN_BYTES = 256;

// Why a run diverged.
export const DIVERGED_LOSS = 1; // a batch's objective, measured before its update
export const DIVERGED_PARAMETERS = 2; // a parameter, checked as an epoch ends
export const DIVERGED_VALIDATION = 3; // the validation loss after an epoch
export const DIVERGED_FINAL = 4; // the objective of the final weights on the first training batch

// Run status.
export const STATUS_RUNNING = 0;
export const STATUS_DONE = 1;
export const STATUS_DIVERGED = 2;

// Per-epoch statistics record, all f64.
export const STATS_LOSS = 0; // Σ over rows of the per-row objective
export const STATS_CORRECT = 8; // units or rows counted as correct
export const STATS_VAL_LOSS = 16;
export const STATS_VAL_CORRECT = 24;
export const STATS_LEARNING_RATE = 32; // the rate of the epoch's latest step
export const STATS_BYTES = 40;

// Control block of the threaded build's pool (assembly/parallel.ts), i32 fields but the claim
// word (i64, 8-byte aligned for its atomics). The leader writes the job and bumps the generation;
// every thread claims chunks through the claim word; what the workers write often (chunks done)
// lies on a line of its own.
export const CONTROL_GENERATION = 0;
export const CONTROL_KIND = 4;
export const CONTROL_PARTS = 8; // chunks the job is cut into
export const CONTROL_STOP = 12; // nonzero: workers return
export const CONTROL_FAULT = 16; // a worker index that traps on its next chunk (tests)
export const CONTROL_ARGS = 20; // 16 arguments, i32 or f32
export const CONTROL_THREADS = 84; // threads that may run the job's chunks: the leader and workers 1 to this − 1
export const CONTROL_CLAIM = 88; // i64: the job's tag << 32 | the next chunk to claim
export const CONTROL_OWNERS = 96; // blocks of the job's chunks that threads 0 to this − 1 each own
export const CONTROL_PAUSE = 100; // a worker index that sleeps a millisecond before each chunk it claims (tests)
export const CONTROL_DONE = 128; // chunks finished (or failed)
export const CONTROL_FAILED = 132; // set by a worker whose chunk trapped
export const CONTROL_READY = 136; // workers that have reached their wait
export const CONTROL_STOLEN = 140; // chunks run by a thread other than their block's owner (tests)
export const CONTROL_STAGED = 192; // rows of a streamed prediction staged so far (−1: abandoned)
// Thread t's block of owned chunks, a line each for as many threads as a network may have
// (MAX_THREADS): i64, the job's tag << 32 | the block's next chunk << 16 | its end.
export const CONTROL_OWNED = 256;
export const CONTROL_OWNED_STEP = 64;
export const CONTROL_BYTES = CONTROL_OWNED + 64 * CONTROL_OWNED_STEP;
