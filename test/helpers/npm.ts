// npm and commands around it, for tests of what npm installs (test/programs/package.test.ts).
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** npm's own entry scripts, run with a chosen node so that npm's engine check sees that version. */
function npmScript(name: 'npm-cli.js' | 'npx-cli.js'): string {
  const candidates = [join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', name)];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const onPath = join(dir, 'npm');
    if (existsSync(onPath)) candidates.push(join(dirname(realpathSync(onPath)), name));
  }
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`npm's ${name} not found (looked at ${candidates.join(', ')})`);
  return found;
}
export const NPM = npmScript('npm-cli.js');
export const NPX = npmScript('npx-cli.js');

/** What an outer `npm test` sets for its own script only (where it runs, what it runs). */
const OUTER_NPM = /^npm_(lifecycle_|package_|command$|execpath$|node_execpath$|config_(call|local_prefix|nodedir|node_gyp|user_agent|npm_version)$)/;

/**
 * Environment of a command run with `node`: that node first on PATH, for npm's scripts and the
 * bins' `#!/usr/bin/env node`; none of an outer npm's per-script variables.
 */
export function envFor(node: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OUTER_NPM.test(key)));
  return {
    ...env,
    PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

/** Runs a command to its end within `ms` (killed past it); returns what it printed, throws with the output on failure. */
export async function execOutput(
  file: string,
  args: string[],
  options: { cwd: string; node?: string; env?: NodeJS.ProcessEnv; ms: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(file, args, {
      cwd: options.cwd,
      env: envFor(options.node ?? process.execPath, options.env),
      timeout: options.ms,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const failed = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${[file, ...args].join(' ')} (in ${options.cwd}) failed: ${failed.message}\n${failed.stdout ?? ''}\n${failed.stderr ?? ''}`);
  }
}

/** execOutput's stdout. */
export async function exec(file: string, args: string[], options: { cwd: string; node?: string; env?: NodeJS.ProcessEnv; ms: number }): Promise<string> {
  return (await execOutput(file, args, options)).stdout;
}

/** npm's CLI run by `node` (npm's engine check then sees that node's version). */
export const npm = (node: string, args: string[], cwd: string, ms = 120_000) => exec(node, [NPM, ...args], { cwd, node, ms });
/** The same, with npm's warnings (stderr) as well. */
export const npmOutput = (node: string, args: string[], cwd: string, ms = 120_000) => execOutput(node, [NPM, ...args], { cwd, node, ms });
