// The module's exports: every kernel. The shared constants of src/abi.ts are
// exported by the debug build only (debug.ts): in the builds the library embeds
// they would cost every download about a kilobyte and a half.

export { heapBase, firstNonFinite } from "./memory";
export { gemmScratchBytes, setGemmScratch, panelBytes, gemmNN, gemmNT, gemmTN, gemmStrided, transpose, columnSums } from "./gemm";
export { smallNN, smallTN, smallNT, smallTNScaled } from "./small";
export { rowTimesMatrix, sgdOuter, sgdBias, narrowForward, narrowBackward } from "./row";
export { activate, activationBackward } from "./activation";
export { dropout, dropoutKey } from "./dropout";
export { lossSum, lossDelta, countCorrect } from "./loss";
export {
  sgdStep, momentumStep, adamStep, rmspropStep, scaleAddWeights, addL1, clipValues, scaleElements, sumOfSquares, sumOfAbs,
} from "./optimizer";
export { rngNext, rngBelow, shuffle } from "./random";
export { learningRateAt } from "./schedule";
export { beginPrediction, endPrediction, parallelFirstNonFinite, setPool, stagedRows, work } from "./parallel";
export {
  gradient, predict, predictRow, evaluate, train, abortRun, beginStagedEpoch, trainStaged, rowPassesInOneJob,
} from "./train";
