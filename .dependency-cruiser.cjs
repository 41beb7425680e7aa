// dependency-cruiser's rules for src/ (test/internals/import-cycles.test.ts runs them in `npm test`).
// No import cycles, type-only imports and lazy require()s included: a module that needs one
// above it in the layering (docs/architecture.md) is a sign that something lives in the wrong
// place. The TypeScript sources are parsed with swc: dependency-cruiser reads TypeScript through
// the compiler's JavaScript API, which TypeScript 7 no longer has.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: see docs/architecture.md for which folder may import which.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
