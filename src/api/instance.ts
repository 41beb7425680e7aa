import { realm } from '../runtime/realm';
import { Gopool } from './gopool';

/**
 * One Gopool per realm even when an app mixes `require("gopool")` and `import "gopool"`, or
 * when a globally installed CLI loads an app that has its own copy of gopool.
 */
export function gopoolInstance(): Gopool {
  const state = realm();
  return (state.instance ??= new Gopool()) as Gopool;
}
