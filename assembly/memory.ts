// Address arithmetic shared by the kernels.

/** Byte address of element i of an array of 4-byte elements (f32, i32, u32) starting at base. */
@inline
export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** First byte after the module's static data: the host lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
