#!/usr/bin/env node
import { Command, Option } from 'commander';
import { reportStartFailure } from '../errors';
import { logsCommand } from './commands/logs';
import { reloadCommand, statusCommand, stopCommand } from './commands/manage';
import { monitCommand } from './commands/monit';
import { startBackground, startForeground } from './commands/start';
import { startupCommand } from './commands/startup';
import { addOptionFlags, readOptionFlags } from './option-flags';

const { version } = require('../../package.json') as { version: string };

const program = new Command('gopool')
  .description('Run a Node.js HTTP service on an elastic pool of worker threads, supervised by a small daemon.')
  .version(version)
  // Usage errors in one line, like every other start-up error (subcommands inherit this).
  .configureOutput({
    outputError: (text, write) =>
      write(
        `gopool: ${text
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim()} (see --help)\n`,
      ),
  });

/** Runs a command; a failure is one line on stderr and exit code 1. */
function guarded<A extends unknown[]>(run: (...args: A) => Promise<unknown>) {
  return async (...args: A): Promise<void> => {
    try {
      const code = await run(...args);
      if (typeof code === 'number') process.exit(code);
    } catch (err) {
      reportStartFailure(err);
      process.exit(1);
    }
  };
}

/** The flags of `start` that are not options of the table: where the settings come from. */
function addSourceFlags(command: Command): Command {
  return command
    .addOption(new Option('--config <file>', 'a config file (default: gopool.config.{js,mjs,cjs,json} next to the app, or here without an app)'))
    .addOption(new Option('--env <name>', "apply the config file's env_<name> section (default: NODE_ENV's, if the file has one)"));
}

addOptionFlags(
  addSourceFlags(
    program
      .command('start')
      .description('start an app file (.js, .mjs, .cjs or .ts): in the foreground, or detached with --daemon')
      .argument('[app]', 'the file that registers the routes (default: the config file\'s "app")')
      .addOption(new Option('--daemon', 'detach: run in the background, log to a file, return once the app is ready')),
  ),
).action(
  guarded(async (app: string | undefined, raw: Record<string, unknown>) => {
    const args = { app, cli: readOptionFlags(raw), config: raw.config as string | undefined, env: raw.env as string | undefined };
    if (raw.daemon === true) return startBackground(args);
    return startForeground(args);
  }),
);

addOptionFlags(
  addSourceFlags(
    program
      .command('dev')
      .description('start an app in the foreground and reload it whenever one of its files changes (start --watch)')
      .argument('[app]', 'the file that registers the routes (default: the config file\'s "app")'),
  ),
).action(
  guarded(async (app: string | undefined, raw: Record<string, unknown>) => {
    const cli = readOptionFlags(raw);
    return startForeground({ app, cli: { ...cli, watch: cli.watch ?? true }, config: raw.config as string | undefined, env: raw.env as string | undefined });
  }),
);

addOptionFlags(
  addSourceFlags(
    program
      .command('startup')
      .description('print (or with --write, install) a systemd unit that runs this app at boot, in the foreground')
      .argument('<init>', 'the init system: systemd')
      .argument('[app]', 'the file that registers the routes (default: the config file\'s "app")')
      .addOption(new Option('--user', 'a user unit (systemctl --user), started at login or, with lingering, at boot'))
      .addOption(new Option('--write', 'write the unit file instead of printing it'))
      .addOption(new Option('--unit-user <name>', 'system units: the user the service runs as (default: the one running this, or SUDO_USER)')),
  ),
).action(
  guarded(async (init: string, app: string | undefined, raw: Record<string, unknown>) =>
    startupCommand(init, {
      app,
      cli: readOptionFlags(raw),
      config: raw.config as string | undefined,
      env: raw.env as string | undefined,
      user: raw.user === true,
      write: raw.write === true,
      unitUser: raw.unitUser as string | undefined,
    }),
  ),
);

program
  .command('stop')
  .description('stop an instance gracefully: in-flight requests finish first')
  .argument('[name]', 'instance name (default: the only one running)')
  .action(guarded((name?: string) => stopCommand(name)));

program
  .command('reload')
  .description('zero-downtime reload: a new master with fresh code takes over, the old one drains')
  .argument('[name]', 'instance name (default: the only one running)')
  .action(guarded((name?: string) => reloadCommand(name)));

program
  .command('status')
  .description('one line per running instance: state, pid, uptime, restarts, threads, memory')
  .argument('[name]', 'only this instance')
  .option('--json', 'print the full status as JSON')
  .action(guarded((name: string | undefined, opts: { json?: boolean }) => statusCommand(name, opts.json === true)));

program
  .command('monit')
  .description('a live view of an instance: threads, queue, per-route rates and latency (q to quit)')
  .argument('[name]', 'instance name (default: the only one running)')
  .action(guarded((name?: string) => monitCommand(name)));

program
  .command('logs')
  .description('print the log of an instance started with --daemon')
  .argument('[name]', 'instance name (default: the only one running)')
  .option('-f, --follow', 'keep printing new lines')
  .option('-n, --lines <n>', 'lines of history to print', '50')
  .action(guarded((name: string | undefined, opts: { follow?: boolean; lines: string }) => logsCommand(name, Number(opts.lines) || 50, opts.follow === true)));

program.parseAsync(process.argv).catch((err: unknown) => {
  reportStartFailure(err);
  process.exit(1);
});
