// Address arithmetic shared by the kernels.

/** Byte address of element i of an array of 4-byte elements (f32, i32, u32) starting at base. */
@inline
export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/**
 * Copies count 4-byte elements from src to dst (non-overlapping). A handful go by plain loads and
 * stores: memory.copy calls out of the compiled code, which costs more than copying a short row.
 */
export function copyElements(dst: usize, src: usize, count: i32): void {
  if (count > 16) {
    memory.copy(dst, src, <usize>count << 2);
    return;
  }
  for (let i = 0; i < count; i++) store<u32>(at(dst, i), load<u32>(at(src, i)));
}

/** First byte after the module's static data: the host lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
