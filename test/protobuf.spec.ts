// The protocol-buffers reader and writer under the ONNX format: the encodings of the protobuf
// documentation's examples, varints at their byte boundaries and as negative int64, packed and
// unpacked repeated numbers, nested messages, unknown fields skipped, and every malformed input
// a SimdnetError naming what and where.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXED32, FIXED64, LENGTH_DELIMITED, ProtoReader, ProtoWriter, VARINT } from '../src/formats/protobuf.js';
import { SimdnetError } from '../src/index.js';
import { expectNamedError } from './support/untouched.js';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const reader = (bytes: ArrayLike<number>) => new ProtoReader(Uint8Array.from(bytes), 'test');
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure, but the call succeeded');
};

describe('ProtoWriter', () => {
  it('writes the encodings of the protobuf documentation', () => {
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('08 96 01');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67');
    expect(hex(new ProtoWriter().message(3, (m) => m.varint(1, 150)).finish())).toBe('1a 03 08 96 01');
  });

  it('writes negative int64 as ten bytes of two\'s complement, and floats little-endian', () => {
    expect(hex(new ProtoWriter().varint(1, -1).finish())).toBe('08 ff ff ff ff ff ff ff ff ff 01');
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('15 00 00 80 3f');
    expect(hex(new ProtoWriter().packedFloats(4, [1, -2]).finish())).toBe('22 08 00 00 80 3f 00 00 00 c0');
  });

  it('counts its length as it goes, nested messages included', () => {
    const w = new ProtoWriter().varint(1, 1).message(2, (m) => m.bytes(1, new Uint8Array(300)));
    expect(w.length).toBe(2 + 1 + 2 + 1 + 2 + 300);
    expect(w.finish().length).toBe(w.length);
  });
});

describe('ProtoReader', () => {
  it('reads back every varint it is written, signed and unsigned, at the byte boundaries', () => {
    const values = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 31), -(2 ** 53) + 1];
    for (const value of values) {
      const r = reader(new ProtoWriter().varint(5, value).finish());
      expect(r.tag()).toEqual({ field: 5, wireType: VARINT });
      expect(r.int()).toBe(value);
      expect(r.done).toBe(true);
    }
  });

  it('reads any int64 exactly within ±2^53, and floats as float32', () => {
    fc.assert(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.float({ noNaN: true }), (i, f) => {
      const r = reader(new ProtoWriter().varint(1, i).float(2, f).finish());
      r.tag();
      expect(r.int()).toBe(i);
      r.tag();
      expect(Object.is(r.float(), f)).toBe(true);
    }));
  });

  it('reads repeated numbers packed and unpacked alike', () => {
    const packed = reader(new ProtoWriter().packedFloats(4, [1.5, -2]).finish());
    const unpacked = reader(new ProtoWriter().float(4, 1.5).float(4, -2).finish());
    for (const r of [packed, unpacked]) {
      const out: number[] = [];
      while (!r.done) r.floats(r.tag().wireType, out);
      expect(out).toEqual([1.5, -2]);
    }
    const ints: number[] = [];
    const r = reader([0x0a, 0x03, 0x01, 0x96, 0x01, 0x08, 0x07]); // packed [1, 150], then one 7
    while (!r.done) r.ints(r.tag().wireType, ints);
    expect(ints).toEqual([1, 150, 7]);
    const doubles: number[] = [];
    const d = reader([0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]); // one unpacked double, 1
    d.doubles(d.tag().wireType, doubles);
    expect(doubles).toEqual([1]);
  });

  it('skips fields of every wire type', () => {
    const r = reader([0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x01, 0xff, 0x25, 1, 2, 3, 4, 0x28, 0x05]);
    for (const wireType of [VARINT, FIXED64, LENGTH_DELIMITED, FIXED32]) {
      const tag = r.tag();
      expect(tag.wireType).toBe(wireType);
      r.skip(tag.wireType);
    }
    expect(r.tag()).toEqual({ field: 5, wireType: VARINT });
    expect(r.int()).toBe(5);
  });

  it('reports a nested message\'s errors at their offset in the whole input', () => {
    const r = reader([0x08, 0x01, 0x12, 0x02, 0x0a, 0x05]);
    r.tag();
    r.int();
    r.tag();
    const inner = r.message('inner');
    inner.tag();
    expectNamedError(thrown(() => inner.bytes()), /^inner at byte 5: a field of 5 bytes where 0 remain/);
  });

  it.each([
    ['a truncated varint', [0x08, 0x80], (r: ProtoReader) => { r.tag(); r.int(); }, /at byte 1: the file ends inside a number/],
    ['a varint of eleven bytes', [0x08, ...new Array(10).fill(0x80), 0x01], (r: ProtoReader) => { r.tag(); r.int(); }, /at byte 1: a varint longer than ten bytes/],
    ['field number 0', [0x00], (r: ProtoReader) => r.tag(), /at byte 0: a field number of 0/],
    ['a group', [0x0b], (r: ProtoReader) => r.tag(), /field 1 has wire type 3, which no ONNX field has/],
    ['a length past the end', [0x0a, 0x7f, 0x00], (r: ProtoReader) => { r.tag(); r.bytes(); }, /a field of 127 bytes where 1 remain/],
    ['a truncated float', [0x15, 0x00, 0x00], (r: ProtoReader) => { r.tag(); r.float(); }, /the file ends inside a field/],
    ['packed floats of 5 bytes', [0x0a, 0x05, 0, 0, 0, 0, 0], (r: ProtoReader) => r.floats(r.tag().wireType, []), /packed numbers of 5 bytes, not a multiple of 4/],
    ['a string that is not UTF-8', [0x0a, 0x01, 0xff], (r: ProtoReader) => { r.tag(); r.string(); }, /at byte 1: a string that is not UTF-8/],
    ['a wire type other than declared', [0x0d, 0, 0, 0, 0], (r: ProtoReader) => r.expect(r.tag(), [LENGTH_DELIMITED], 'name'), /field 1 \(name\) is 32-bit, where ONNX declares it length-delimited/],
  ])('%s is a SimdnetError', (_, bytes, read, message) => {
    const error = thrown(() => read(reader(bytes)));
    expect(error).toBeInstanceOf(SimdnetError);
    expectNamedError(error, message);
  });
});
