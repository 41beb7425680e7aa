import { existsSync, readdirSync } from 'node:fs';
import { GopoolError } from '../runtime/errors';
import { sendControl } from '../supervision/control-client';
import type { ControlRequest, ControlResponse } from '../supervision/control-protocol';
import { gopoolHome, instancePaths } from '../supervision/paths';

/** Names of the instances that have a control socket in GOPOOL_HOME (running, or died without cleaning up). */
export function instanceNames(): string[] {
  const home = gopoolHome();
  if (!existsSync(home)) return [];
  return readdirSync(home).filter((f) => f.endsWith('.sock')).map((f) => f.slice(0, -'.sock'.length)).sort();
}

/** The instance a command is about: the one named, or the only one running. */
export function pickInstance(name: string | undefined): string {
  if (name) return name;
  const names = instanceNames();
  if (names.length === 1) return names[0]!;
  if (names.length === 0) throw new GopoolError(`no gopool instance is running (looked in ${gopoolHome()})`);
  throw new GopoolError(`several instances are running (${names.join(', ')}); name one`);
}

/** Sends a command to a named instance; a missing or dead instance is a clear error. */
export async function control(name: string, request: ControlRequest): Promise<ControlResponse> {
  try {
    return await sendControl(instancePaths(name).socket, request);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') throw new GopoolError(`no running instance named "${name}" (looked in ${gopoolHome()})`);
    throw err;
  }
}
