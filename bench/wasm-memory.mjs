// Finds the linear memories of every wasm instance a library creates, by wrapping
// WebAssembly.instantiate and instantiateStreaming before the library loads. Libraries do not
// all expose their memory (simdnet keeps it private), and this sees all of them the same way.

const memories = new Set();

function collect(instance, imports) {
  for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.add(value);
  for (const module of Object.values(imports ?? {})) {
    for (const value of Object.values(module ?? {})) if (value instanceof WebAssembly.Memory) memories.add(value);
  }
}

/** Starts recording; call before importing the library under test. */
export function watchWasmMemory() {
  // Browsers' emscripten builds fetch and compile in one call, instantiateStreaming.
  for (const name of ['instantiate', 'instantiateStreaming'].filter((n) => WebAssembly[n])) {
    const original = WebAssembly[name];
    WebAssembly[name] = async function (source, imports) {
      const result = await original.call(WebAssembly, source, imports);
      collect(result instanceof WebAssembly.Instance ? result : result.instance, imports);
      return result;
    };
  }
}

/** Bytes of all recorded memories now (wasm memory never shrinks, so this is also their peak). */
export function wasmMemoryBytes() {
  let bytes = 0;
  for (const memory of memories) bytes += memory.buffer.byteLength;
  return bytes;
}
