// webpack 5 with no config file: entry src/index.js, output dist/main.js, default asset handling.
import check from './store-check.js';

check(new URLSearchParams(location.search)).then(
  (result) => (window.__result = result),
  (error) => (window.__result = { error: `${error?.code ?? ''} ${error?.message ?? error}` }),
);
