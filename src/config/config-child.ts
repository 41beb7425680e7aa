/**
 * Loads a JavaScript config file in a process of its own and prints what it exports as JSON
 * (see config-file.ts). A failure is one line on stderr: the error and where in the file.
 */
import { pathToFileURL } from 'node:url';

async function main(): Promise<void> {
  const file = process.argv[2]!;
  const loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
  // CommonJS arrives as `default` (module.exports); ESM may export default or named fields.
  const value = 'default' in loaded && loaded.default !== undefined ? loaded.default : { ...loaded };
  process.stdout.write(JSON.stringify(value));
}

main().catch((err: unknown) => {
  const error = err instanceof Error ? err : new Error(String(err));
  const file = process.argv[2]!;
  const where = (error.stack ?? '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.includes(file));
  process.stderr.write(`${error.name}: ${error.message.split('\n')[0]}${where ? ` (${where.replace(/^at /, '')})` : ''}\n`);
  process.exit(1);
});
