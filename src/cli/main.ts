#!/usr/bin/env node
import { Command } from 'commander';
import { bootAppFile } from '../master/boot';
import { reportStartFailure } from '../runtime/errors';
import { addOptionFlags, readOptionFlags } from './option-flags';

const { version } = require('../../package.json') as { version: string };

const program = new Command('gopool')
  .description('Run a Node.js HTTP service on an elastic pool of worker threads.')
  .version(version)
  // Usage errors in one line, like every other start-up error (subcommands inherit this).
  .configureOutput({ outputError: (text, write) => write(`gopool: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see --help)\n`) });

addOptionFlags(
  program
    .command('start')
    .description('start an app file (.js, .mjs, .cjs or .ts) in the foreground')
    .argument('<app>', 'the file that registers the routes'),
).action(async (app: string, raw: Record<string, unknown>) => {
  try {
    await bootAppFile(app, readOptionFlags(raw));
  } catch (err) {
    reportStartFailure(err);
    process.exit(1);
  }
});

program.parseAsync(process.argv).catch((err: unknown) => {
  reportStartFailure(err);
  process.exit(1);
});
