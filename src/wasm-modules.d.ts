/** wrangler and the vitest pool import a `.wasm` file as a compiled module (wrangler's CompiledWasm rule). */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
