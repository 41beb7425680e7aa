// dependency-cruiser's rules for src/ (test/internals/import-cycles.test.ts runs them in `npm test`).
// Type-only imports and lazy require()s count like any other import. Two kinds of rule:
// - no import cycle between files;
// - the folders are layers (docs/architecture.md): a module imports only from its own layer or
//   from the layers below it, so that a folder can be read, and tested, without the ones above.
//   A module that needs one above it is a sign that something lives in the wrong place: move it,
//   or the type it needs, down.
// The TypeScript sources are parsed with swc: dependency-cruiser reads TypeScript through the
// compiler's JavaScript API, which TypeScript 7 no longer has.
const path = require('node:path');

/** Lowest first. A folder's subfolder is a layer of its own (`dispatch` is its own files only). */
const LAYERS = [
  ['errors', '^src/errors\\.ts$'],
  ['config', '^src/config/'],
  ['runtime', '^src/runtime/'],
  ['threads', '^src/threads/'],
  ['api', '^src/api/'],
  ['dispatch', '^src/dispatch/[^/]+$'],
  ['dispatch/pool', '^src/dispatch/pool/'],
  ['monitoring', '^src/monitoring/'],
  ['supervision', '^src/supervision/'],
  ['ingress', '^src/ingress/[^/]+$'],
  ['ingress/threads', '^src/ingress/threads/'],
  ['master', '^src/master/'],
  ['boot', '^src/boot/'],
  ['cli', '^src/cli/'],
];

/**
 * The files a process or thread starts by path (fork, new Worker, the bin), and the package's
 * entries: each is the top of what runs, so it may import any layer, and no module imports it.
 */
const PROCESS_ENTRIES = [
  '^src/supervision/daemon-main\\.ts$',
  '^src/master/main\\.ts$',
  '^src/dispatch/pool/thread-main\\.ts$',
  '^src/ingress/threads/ingress-main\\.ts$',
  '^src/config/config-child\\.ts$',
  '^src/cli/main\\.ts$',
];
const PACKAGE_ENTRIES = ['^src/index\\.ts$', '^src/esm\\.mts$'];
const ENTRIES = [...PROCESS_ENTRIES, ...PACKAGE_ENTRIES];

/** The imports that go up, each with why it stays: [layer, from file, to file, why]. */
const EXCEPTIONS = [
  [
    'api',
    'src/api/gopool.ts',
    'src/boot/start-call.ts',
    "The Gopool class's start calls are the start-up path's way in from the user's file: start-call.ts only records the request, and loads the server lazily (require) when `node app.js` starts it. Moving the class above boot/ would put it above everything that reads the app's callbacks (threads, the master).",
  ],
];

function layerRules() {
  const rules = [];
  LAYERS.forEach(([name, from], index) => {
    const above = LAYERS.slice(index + 1).map(([, to]) => to);
    if (above.length === 0) return;
    const exceptions = EXCEPTIONS.filter(([layer]) => layer === name).map(([, ...rest]) => rest);
    const exact = (file) => `^${file.replaceAll('.', '\\.')}$`;
    rules.push({
      name: `layer-${name.replace('/', '-')}`,
      severity: 'error',
      comment: `${name} imports only from the layers below it (${LAYERS.slice(0, index)
        .map(([lower]) => lower)
        .join(', ') || 'none'}); see docs/architecture.md.`,
      from: { path: from, pathNot: [...ENTRIES, ...exceptions.map(([exceptFrom]) => exact(exceptFrom))] },
      to: { path: above },
    });
    for (const [exceptFrom, exceptTo, why] of exceptions) {
      rules.push({
        name: `layer-${name.replace('/', '-')}-except`,
        severity: 'error',
        comment: `${exceptFrom} imports only from the layers below ${name}, and ${exceptTo}: ${why}`,
        from: { path: exact(exceptFrom) },
        to: { path: above, pathNot: exact(exceptTo) },
      });
    }
  });
  return rules;
}

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
    ...layerRules(),
    {
      name: 'no-entry-import',
      severity: 'error',
      comment: 'A process entry is started by path (fork, new Worker), never imported: importing it would run it.',
      from: {},
      to: { path: PROCESS_ENTRIES },
    },
    {
      name: 'package-entry-import',
      severity: 'error',
      comment: 'index.ts is the package: only esm.mts, its ESM face, imports it.',
      from: { pathNot: '^src/esm\\.mts$' },
      to: { path: PACKAGE_ENTRIES },
    },
    {
      name: 'no-unlayered',
      severity: 'error',
      comment: 'Every module of src/ that imports one belongs to a layer (LAYERS) or is an entry: add its folder to LAYERS, in its place.',
      from: { path: '^src/', pathNot: [...LAYERS.map(([, p]) => p), ...ENTRIES] },
      to: {},
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    // Absolute, so that the test can cruise a tree of its own (test/internals/import-cycles.test.ts).
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
