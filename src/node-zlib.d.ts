/**
 * The pieces of `node:zlib` that run in workerd here (it provides them under `nodejs_compat`): the
 * worker's tsconfig has no Node types, and pulling them all in would let Node-only APIs typecheck.
 * The worker decompresses; the workerd suites also compress, to make frames.
 */
declare module "node:zlib" {
  export function brotliDecompressSync(data: ArrayBuffer | ArrayBufferView, options?: { maxOutputLength?: number }): Uint8Array;
  export function brotliCompressSync(data: ArrayBuffer | ArrayBufferView): Uint8Array;
}
