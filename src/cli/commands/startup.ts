import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { PartialOptions } from '../../config/resolve-options';
import { ERR_STARTUP_TARGET } from '../../errors';
import { resolveSettings } from '../../supervision/daemon-settings';
import { gopoolHome } from '../../supervision/paths';
import { systemdUnit } from '../systemd-unit';

export interface StartupArgs {
  app: string | undefined;
  cli: PartialOptions;
  config: string | undefined;
  env: string | undefined;
  user: boolean;
  write: boolean;
  unitUser: string | undefined;
}

/** `gopool startup systemd [app] [--user] [--write]`: a unit for this instance, printed or installed. */
export async function startupCommand(init: string, args: StartupArgs): Promise<void> {
  if (init !== 'systemd') throw new ERR_STARTUP_TARGET(init);
  const settings = await resolveSettings({
    ...(args.app !== undefined ? { appFile: resolve(args.app) } : {}),
    ...(args.config !== undefined ? { configFile: resolve(args.config) } : {}),
    ...(args.env !== undefined ? { envName: args.env } : {}),
    cli: args.cli,
    execArgv: [],
    background: false,
  });
  const unit = systemdUnit({
    name: settings.name,
    node: process.execPath,
    cli: resolve(__dirname, '..', 'main.js'),
    appFile: settings.appFile,
    configFile: settings.config?.file,
    envName: args.env,
    flags: args.cli,
    options: settings.options,
    workingDirectory: dirname(settings.config?.file ?? settings.appFile),
    gopoolHome: process.env.GOPOOL_HOME ? resolve(gopoolHome()) : undefined,
    userUnit: args.user,
    runAs: args.unitUser ?? process.env.SUDO_USER ?? userInfo().username,
  });
  if (!args.write) {
    process.stdout.write(unit);
    return;
  }
  const folder = args.user ? join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user') : '/etc/systemd/system';
  const file = join(folder, `gopool-${settings.name}.service`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, unit, { mode: 0o644 });
  const systemctl = args.user ? 'systemctl --user' : 'systemctl';
  process.stdout.write(
    `gopool: wrote ${file}\n  enable and start it: ${systemctl} daemon-reload && ${systemctl} enable --now gopool-${settings.name}\n  reload: ${systemctl} reload gopool-${settings.name}   logs: journalctl ${args.user ? '--user ' : ''}-u gopool-${settings.name}\n`,
  );
}
