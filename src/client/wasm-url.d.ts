// The URL of sql.js's wasm, as Vite's `?url` import gives it (the package build rewrites it to
// `new URL('./sql-wasm.wasm', import.meta.url)`): declared here for the package's declaration
// build, which leaves out vite/client's types.
declare module 'sql.js/dist/sql-wasm-browser.wasm?url' {
  const url: string;
  export default url;
}
