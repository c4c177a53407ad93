// The shapes of TensorFlow.js's layers-model format (tfjs-core's io.ModelArtifacts and the
// model.json file), declared here so that simdnet depends on no TensorFlow.js package.

/** One weight's entry in weightSpecs (or a weightsManifest group): its place in weightData follows from those before it. */
export interface TFJSWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  /** 'optimizer' for the optimizer's state, saved after the model's weights with includeOptimizer. */
  group?: 'model' | 'optimizer';
  /** Weights stored quantized by tensorflowjs_converter: value = stored · scale + min (or float16). */
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

/** Weight bytes: one buffer, or the shards of a model.json's weightsManifest in order. */
export type TFJSWeightData = ArrayBuffer | ArrayBufferView | readonly (ArrayBuffer | ArrayBufferView)[];

/** What toTFJS gives: tf.io.ModelArtifacts for tf.loadLayersModel(tf.io.fromMemory(artifacts)). */
export interface TFJSArtifacts {
  /** The Keras model JSON: a Sequential of Dense (and LeakyReLU) layers. */
  modelTopology: { class_name: 'Sequential'; config: { name: string; layers: KerasLayerJSON[] }; backend: string };
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  weightSpecs: TFJSWeightSpec[];
  weightData: ArrayBuffer;
  userDefinedMetadata?: Record<string, unknown>;
}

/**
 * What fromTFJS reads: tf.io.ModelArtifacts as model.save hands them to a save handler, or the
 * content of a model.json file (with weightsManifest) with its weight files' bytes as weightData.
 */
export interface TFJSModelJSON {
  modelTopology?: unknown;
  weightSpecs?: readonly TFJSWeightSpec[];
  weightsManifest?: readonly { paths?: readonly string[]; weights: readonly TFJSWeightSpec[] }[];
  weightData?: TFJSWeightData;
  /** Present when the model was saved with its optimizer: its loss is the network's. */
  trainingConfig?: unknown;
  userDefinedMetadata?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

/** A layer of a Keras model's JSON. */
export interface KerasLayerJSON {
  class_name: string;
  config: Record<string, unknown>;
}
