// The debug build's exports: every kernel, and the shared constants of
// src/abi.ts as globals, so that a test can check what AssemblyScript made of
// that file against what TypeScript makes of it.

export * from "./index";
export * from "../src/abi";
