import { type FSWatcher, watch } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { ControlResponse } from './control-protocol';
import type { DaemonLog } from './daemon-log';

/** Folders whose changes never reload: dependencies, version control, logs. */
const IGNORED_FOLDERS = new Set(['node_modules', '.git', 'logs', 'log', '.gopool']);
/** Saves come as several events (an editor's temporary file, a rename, a write): one reload for them. */
export const DEBOUNCE_MS = 300;

/** Whether a changed path (relative to the watched folder) should reload the app. */
export function isWatched(path: string): boolean {
  const parts = path.split(sep);
  if (parts.some((part) => IGNORED_FOLDERS.has(part))) return false;
  const file = parts.at(-1) ?? '';
  // Logs, and the swap and backup files of editors (vim's .swp and 4913, emacs' #file# and ~).
  return !(/\.log(\.\d+)?$/.test(file) || /\.sw[a-p]$/.test(file) || file === '4913' || file.endsWith('~') || file.startsWith('.#'));
}

/**
 * Watches the app's folder (node's recursive fs.watch: inotify on Linux) and calls `onChange`
 * once per burst of changes, DEBOUNCE_MS after the last one, with the files that changed.
 */
export function watchApp(folder: string, onChange: (files: string[]) => void, extraFolders: string[] = []): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const watchers: FSWatcher[] = [];
  const onEvent = (base: string) => (_event: string, name: string | Buffer | null) => {
    if (name === null) return;
    const path = relative(folder, join(base, name.toString()));
    if (!isWatched(path)) return;
    changed.add(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const files = [...changed];
      changed.clear();
      onChange(files);
    }, DEBOUNCE_MS);
  };
  for (const base of [folder, ...extraFolders]) {
    const watcher = watch(base, { recursive: true, persistent: false }, onEvent(base));
    watcher.on('error', () => undefined); // a folder removed under us; nothing left to watch there
    watchers.push(watcher);
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/**
 * Watch mode: one reload per burst of saves. Saves that come while a reload runs (this one's
 * or a `gopool reload`) are reloaded for once it is over, since that reload may have loaded the
 * files before they changed.
 */
export function watchAndReload(
  folders: { app: string; extra: string[] },
  reload: (why: string) => Promise<ControlResponse>,
  isReloading: () => boolean,
  log: DaemonLog,
): { close(): void } {
  let waiting: string[] | null = null;
  let closed = false;
  const reloadFor = (files: string[]): void => {
    if (closed) return;
    if (isReloading()) {
      const first = waiting === null;
      waiting = [...new Set([...(waiting ?? []), ...files])];
      // The reload running now: once it is over, reload again for what was saved meanwhile.
      if (first) void reload('watch').then(() => flush());
      return;
    }
    log.info({ files }, `watch: ${files.join(', ')} changed; reloading`);
    void reload(`watch: ${files.join(', ')}`).then((response) => {
      if (!response.ok) log.error({}, `watch: ${response.error}; the previous code keeps serving until the next save`);
      flush();
    });
  };
  const flush = (): void => {
    const next = waiting;
    waiting = null;
    if (next) reloadFor(next);
  };
  const watcher = watchApp(folders.app, reloadFor, folders.extra);
  log.info({ folder: folders.app }, `watching ${folders.app} for changes`);
  return {
    close() {
      closed = true;
      watcher.close();
    },
  };
}
