// The protocol-buffers wire format, as much of it as ONNX files use: varints (int32, int64,
// enums), 32-bit fields (float), length-delimited fields (strings, bytes, nested messages and
// packed repeated numbers) and 64-bit fields (double).

import { SimdnetError } from '../index.js';

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

/** The wire types this reader knows; groups (3, 4) are from proto1 and never in ONNX. */
const WIRE_TYPE_NAMES: Record<number, string> = {
  [VARINT]: 'varint', [FIXED64]: '64-bit', [LENGTH_DELIMITED]: 'length-delimited', [FIXED32]: '32-bit',
};

const utf8 = new TextEncoder();

/**
 * Builds a message field by field. Nested messages are written into their own writer and
 * spliced in by reference, so large byte fields (weights) are copied once, by finish().
 */
export class ProtoWriter {
  readonly #parts: Uint8Array[] = [];
  #pending: number[] = [];
  #length = 0;

  /** The message's size in bytes so far. */
  get length(): number {
    return this.#length + this.#pending.length;
  }

  /** A varint field: int32, int64 (negative values take ten bytes, as protobuf writes them) or enum. */
  varint(field: number, value: number): this {
    this.#tag(field, VARINT);
    this.#varint(value);
    return this;
  }

  /** A float field (32-bit, little-endian). */
  float(field: number, value: number): this {
    this.#tag(field, FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#pending.push(...bytes);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, data: Uint8Array): this {
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(data.length);
    this.#append(data);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, text: string): this {
    return this.bytes(field, utf8.encode(text));
  }

  /** A nested message, written by `write` into a writer of its own. */
  message(field: number, write: (message: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    inner.#flush();
    this.#tag(field, LENGTH_DELIMITED);
    this.#varint(inner.length);
    for (const part of inner.#parts) this.#append(part);
    return this;
  }

  /** A packed repeated float field. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.bytes(field, bytes);
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  #tag(field: number, wireType: number): void {
    this.#varint(field * 8 + wireType);
  }

  #varint(value: number): void {
    if (value < 0) {
      // Two's complement in 64 bits: ten bytes.
      let v = BigInt.asUintN(64, BigInt(value));
      for (let i = 0; i < 9; i++, v >>= 7n) this.#pending.push(Number(v & 0x7fn) | 0x80);
      this.#pending.push(Number(v));
      return;
    }
    let v = value;
    while (v >= 0x80) {
      this.#pending.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.#pending.push(v);
  }

  #append(data: Uint8Array): void {
    this.#flush();
    this.#parts.push(data);
    this.#length += data.length;
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    this.#parts.push(Uint8Array.from(this.#pending));
    this.#length += this.#pending.length;
    this.#pending = [];
  }
}

/** A field's number and wire type, as read from its tag. */
export interface FieldTag {
  field: number;
  wireType: number;
}

/**
 * Reads a message field by field, within the bytes it is given. Every read is bounds-checked,
 * so truncated or corrupt input ends in a SimdnetError naming the message and the offset.
 */
export class ProtoReader {
  readonly #bytes: Uint8Array;
  readonly #context: string;
  readonly #base: number;
  #at = 0;

  /**
   * @param context what the bytes are, for error messages (e.g. "fromONNX: NodeProto")
   * @param base the offset of `bytes` in the whole file, for error messages
   */
  constructor(bytes: Uint8Array, context: string, base = 0) {
    this.#bytes = bytes;
    this.#context = context;
    this.#base = base;
  }

  /** Whether every field has been read. */
  get done(): boolean {
    return this.#at >= this.#bytes.length;
  }

  /** The next field's tag. */
  tag(): FieldTag {
    const at = this.#at;
    const key = this.#varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0 || field > 0x1fffffff) this.fail(`a field number of ${field}`, at);
    if (!(wireType in WIRE_TYPE_NAMES)) this.fail(`field ${field} has wire type ${wireType}, which no ONNX field has`, at);
    return { field, wireType };
  }

  /** An unsigned varint (a length, an enum, a non-negative int32 or int64), exact below 2^53. */
  uint(): number {
    return this.#varint();
  }

  /** A signed int64 or int32 varint (negative values are ten bytes of two's complement). */
  int(): number {
    const start = this.#at;
    const value = this.#varint();
    if (value <= Number.MAX_SAFE_INTEGER) return value;
    // Beyond 2^53 a double drops bits; BigInt reads the ten bytes exactly.
    let big = 0n;
    for (let i = this.#at - 1; i >= start; i--) big = (big << 7n) | BigInt(this.#bytes[i]! & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** A 32-bit float. */
  float(): number {
    const bytes = this.#take(4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const at = this.#at;
    const length = this.#varint();
    if (length > this.#bytes.length - this.#at) {
      this.fail(`a field of ${length} bytes where ${this.#bytes.length - this.#at} remain (the file is truncated or corrupt)`, at);
    }
    const bytes = this.#bytes.subarray(this.#at, this.#at + length);
    this.#at += length;
    return bytes;
  }

  /** A string field (UTF-8). */
  string(): string {
    const at = this.#at;
    const bytes = this.bytes();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return this.fail('a string that is not UTF-8', at);
    }
  }

  /** A nested message: a reader over its bytes. */
  message(context: string): ProtoReader {
    const bytes = this.bytes();
    return new ProtoReader(bytes, context, this.#base + this.#at - bytes.length);
  }

  /** Repeated floats, packed (one length-delimited field) or not (one 32-bit field each), appended to `into`. */
  floats(wireType: number, into: number[]): void {
    this.#fixedWidth(wireType, FIXED32, 4, (view, at) => view.getFloat32(at, true), into);
  }

  /** Repeated doubles, packed or not (one 64-bit field each), appended to `into`. */
  doubles(wireType: number, into: number[]): void {
    this.#fixedWidth(wireType, FIXED64, 8, (view, at) => view.getFloat64(at, true), into);
  }

  /** Repeated signed varints (int32 or int64), packed or not, appended to `into`. */
  ints(wireType: number, into: number[]): void {
    if (wireType === VARINT) {
      into.push(this.int());
      return;
    }
    const packed = this.message(this.#context);
    while (!packed.done) into.push(packed.int());
  }

  /** Skips a field of a wire type this reader knows. */
  skip(wireType: number): void {
    if (wireType === VARINT) this.#varint();
    else if (wireType === FIXED64) this.#take(8);
    else if (wireType === FIXED32) this.#take(4);
    else this.bytes();
  }

  /** Checks that a field has a wire type its declaration allows (a repeated number: packed or one field each). */
  expect(tag: FieldTag, wireTypes: readonly number[], name: string): void {
    if (!wireTypes.includes(tag.wireType)) {
      const declared = wireTypes.map((w) => WIRE_TYPE_NAMES[w]).join(' or ');
      this.fail(`field ${tag.field} (${name}) is ${WIRE_TYPE_NAMES[tag.wireType]}, where ONNX declares it ${declared}`);
    }
  }

  /** Throws a SimdnetError about the bytes at an offset. */
  fail(what: string, at = this.#at): never {
    throw new SimdnetError(`${this.#context} at byte ${this.#base + at}: ${what}`);
  }

  #varint(): number {
    const start = this.#at;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#at >= this.#bytes.length) this.fail('the file ends inside a number (it is truncated)', start);
      const byte = this.#bytes[this.#at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    return this.fail('a varint longer than ten bytes', start);
  }

  // One element of `size` bytes (wire type `single`), or a packed run of them.
  #fixedWidth(wireType: number, single: number, size: number, read: (view: DataView, at: number) => number, into: number[]): void {
    const at = this.#at;
    const bytes = wireType === single ? this.#take(size) : this.bytes();
    if (bytes.length % size !== 0) this.fail(`packed numbers of ${bytes.length} bytes, not a multiple of ${size}`, at);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < bytes.length; i += size) into.push(read(view, i));
  }

  #take(count: number): Uint8Array {
    this.#need(count);
    this.#at += count;
    return this.#bytes.subarray(this.#at - count, this.#at);
  }

  #need(count: number): void {
    if (count > this.#bytes.length - this.#at) this.fail('the file ends inside a field (it is truncated)');
  }
}
