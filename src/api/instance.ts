import { Gopool } from './gopool';

/**
 * One Gopool per realm even when an app mixes `require("gopool")` and `import "gopool"`, or
 * when a globally installed CLI loads an app that has its own copy of gopool.
 */
const KEY = Symbol.for('gopool.instance');

export function gopoolInstance(): Gopool {
  const holder = globalThis as { [KEY]?: Gopool };
  return (holder[KEY] ??= new Gopool());
}
