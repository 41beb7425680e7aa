import { existsSync, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ERR_APP_EXTENSION, ERR_APP_LOAD, ERR_APP_NEEDS_TSX, ERR_APP_NOT_A_FILE, ERR_APP_NOT_FOUND } from '../errors';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs', '.jsx']);

let typescriptReady: Promise<void> | undefined;

/**
 * Makes `.ts` files loadable, via tsx: an optional peer dependency, so that JavaScript apps do
 * not install it (with esbuild, most of what gopool would add). Node's own type stripping is no
 * substitute: Node 20 has none, and where it exists it refuses what tsx runs and TypeScript
 * apps commonly hold (enums, parameter properties, extensionless or `.js` relative imports, an
 * interface imported without `import type`), so one app would start on one Node and not on
 * another depending on whether tsx happens to be there.
 */
function enableTypeScript(absolute: string): Promise<void> {
  typescriptReady ??= (async () => {
    // Resolved from gopool, where a package manager puts a peer dependency: beside it in the app's
    // node_modules. Both entry points are checked: a tsx older than 4.8 has no `tsx/cjs/api`.
    try {
      require.resolve('tsx/cjs/api');
      require.resolve('tsx/esm/api');
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw new ERR_APP_NEEDS_TSX(absolute);
      throw err;
    }
    (require('tsx/cjs/api') as typeof import('tsx/cjs/api')).register();
    // Its ES module build: the CommonJS one (tsx 4.23) registers a loader path that does not exist.
    const esm = (await import('tsx/esm/api')) as typeof import('tsx/esm/api');
    esm.register();
  })();
  return typescriptReady;
}

/** Checks the path before loading so a typo gives one clear line, not a resolver stack. */
export function resolveAppFile(file: string): string {
  const absolute = resolve(file);
  if (!existsSync(absolute)) throw new ERR_APP_NOT_FOUND(absolute);
  if (!statSync(absolute).isFile()) throw new ERR_APP_NOT_A_FILE(absolute);
  const ext = extname(absolute);
  if (!TYPESCRIPT.has(ext) && !JAVASCRIPT.has(ext)) {
    throw new ERR_APP_EXTENSION(absolute);
  }
  return absolute;
}

/** Loads the user's file (CommonJS, ESM or TypeScript); its top level registers the routes. */
export async function loadApp(absolute: string): Promise<void> {
  if (TYPESCRIPT.has(extname(absolute))) await enableTypeScript(absolute);
  try {
    await import(pathToFileURL(absolute).href);
  } catch (err) {
    throw new ERR_APP_LOAD(absolute, describeLoadError(err, absolute), { cause: err });
  }
}

/** One line: the error and where in the user's code it happened. */
function describeLoadError(err: unknown, absolute: string): string {
  if (!(err instanceof Error)) return String(err);
  const text = `${err.name}: ${err.message}`.split('\n')[0]!;
  const stack = err.stack ?? '';
  // A CommonJS syntax error puts "file:line" on the first stack line; others put frames below.
  const location = stack
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.includes(absolute) || line.includes(pathToFileURL(absolute).href));
  return location ? `${text} (${location.replace(/^at /, '')})` : text;
}
