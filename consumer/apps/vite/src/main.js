// A fresh Vite app (vanilla template, no vite.config): the page under test picks a check by ?t=.
const checks = {
  store: () => import('./store-check.js'),
  react: () => import('./react-check.js'),
  preact: () => import('./preact-check.js'),
  // The README's "Use" example, pasted by consumer/run.ts as it stands.
  readme: () => import('./readme.ts'),
  'readme-react': () => import('./readme-react.ts'),
};
const params = new URLSearchParams(location.search);
checks[params.get('t') ?? 'store']()
  .then((check) => check.default(params))
  .then(
    (result) => (window.__result = result),
    (error) => (window.__result = { error: `${error?.code ?? ''} ${error?.message ?? error}` }),
  );
