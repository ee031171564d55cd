// h5wasm-plugins ships no type declarations; only the function hpaic uses is declared.
declare module 'h5wasm-plugins' {
  /** Put node_modules/h5wasm-plugins/plugins first on the HDF5 plugin search path of a ready h5wasm module. */
  export function install_local_plugins(h5wasmModule: unknown): void;
}
