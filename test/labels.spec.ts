// LabelEncoder and argmax: classes in a stable order, labels to indices and one-hot rows and
// back, a network's outputs to class names, and errors naming the label at fault.

import { describe, expect, it } from 'vitest';
import { argmax, argmaxRows, LabelEncoder, SimdnetError } from '../src/index.js';

describe('LabelEncoder', () => {
  it('sorts the classes it is fitted on: as text, or numerically when every label is a number', () => {
    expect(new LabelEncoder().fit(['b', 'a', 'c', 'a']).classes).toEqual(['a', 'b', 'c']);
    expect(new LabelEncoder().fit(['10', '9', '2', '9']).classes).toEqual(['2', '9', '10']);
    expect(new LabelEncoder<number>().fit([3, 1, 2, 10]).classes).toEqual([1, 2, 3, 10]);
    expect(new LabelEncoder().fit(['10', 'x', '9']).classes).toEqual(['10', '9', 'x']);
    expect(new LabelEncoder(['z', 'a']).classes).toEqual(['z', 'a']);
  });

  it('encodes labels as indices and one-hot rows, and decodes indices and outputs', () => {
    const labels = ['cat', 'dog', 'cat', 'emu'];
    const encoder = new LabelEncoder().fit(labels);
    expect(Array.from(encoder.transform(labels))).toEqual([0, 1, 0, 2]);
    expect(Array.from(encoder.oneHot(labels))).toEqual([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1]);
    expect(Array.from(new LabelEncoder().fitOneHot(labels))).toEqual(Array.from(encoder.oneHot(labels)));
    expect(encoder.inverseTransform([2, 0])).toEqual(['emu', 'cat']);
    expect(encoder.decode([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])).toEqual(['dog', 'cat']);
    expect(encoder.decode(new Float32Array([0, 0, 1, 0.3, 0.3, 0.2]))).toEqual(['emu', 'cat']);
    expect(labels).toEqual(['cat', 'dog', 'cat', 'emu']);
  });

  it('keeps numeric classes numbers, distinct from their text', () => {
    const encoder = new LabelEncoder<number | string>().fit([0, 1, 1]);
    expect(encoder.inverseTransform([1])).toEqual([1]);
    expect(() => encoder.transform(['1'])).toThrow("labels[0] is '1', which is not one of the 2 classes: 0, 1");
  });

  it('round-trips through JSON', () => {
    const encoder = new LabelEncoder().fit(['x', 'y', 'z']);
    const read = LabelEncoder.fromJSON(JSON.parse(JSON.stringify(encoder)));
    expect(read.classes).toEqual(encoder.classes);
    expect(Array.from(read.transform(['z', 'x']))).toEqual([2, 0]);
  });

  it.each([
    ['an unknown label', () => new LabelEncoder().fit(['a', 'b']).transform(['a', 'c']), "labels[1] is 'c', which is not one of the 2 classes: 'a', 'b'"],
    ['one class', () => new LabelEncoder().fit(['a', 'a']), "labels have only one class ('a'): a classifier needs at least two"],
    ['no labels', () => new LabelEncoder().fit([]), 'labels are empty: a classifier needs at least two'],
    ['a class given twice', () => new LabelEncoder(['a', 'b', 'a']), "LabelEncoder classes: 'a' is given twice"],
    ['NaN', () => new LabelEncoder<number>().fit([1, NaN]), 'labels[1] must be a string or a finite number, got NaN'],
    ['an object', () => new LabelEncoder().fit([{}] as never), 'labels[0] must be a string or a finite number, got an object'],
    ['an index out of range', () => new LabelEncoder().fit(['a', 'b']).inverseTransform([2]), 'indices[0] is 2; a class index is an integer from 0 to 1'],
    ['outputs of the wrong width', () => new LabelEncoder().fit(['a', 'b']).decode([[1, 2, 3]]), 'outputs has rows of 3 values, but there are 2 classes'],
    ['a flat array of the wrong length', () => new LabelEncoder().fit(['a', 'b']).decode(new Float32Array(3)), 'outputs has 3 values, which is not a whole number of rows of 2 (the number of classes)'],
    ['use before fit', () => new LabelEncoder().oneHot(['a']), 'LabelEncoder.transform needs the classes: call fit(labels) first'],
  ])('refuses %s', (_, call, message) => {
    expect(call).toThrow(SimdnetError);
    expect(call).toThrow(message);
  });
});

describe('argmax', () => {
  it('is the index of the largest value, the first of equal ones', () => {
    expect(argmax([1, 3, 2])).toBe(1);
    expect(argmax([2, 2, 1])).toBe(0);
    expect(argmax(new Float32Array([-3, -1, -2]))).toBe(1);
    expect(argmax([5])).toBe(0);
  });

  it('per row, of rows or of a flat array with its width', () => {
    expect(Array.from(argmaxRows([[0, 1], [1, 0], [0.5, 0.5]]))).toEqual([1, 0, 0]);
    expect(Array.from(argmaxRows(new Float32Array([0, 1, 2, 5, 4, 3]), 3))).toEqual([2, 0]);
    expect(() => argmaxRows(new Float32Array(4))).toThrow('values is a flat array, so its row width is needed: give it as the width argument');
  });
});
