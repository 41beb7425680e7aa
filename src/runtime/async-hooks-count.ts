/**
 * How many async_hooks are enabled on this thread (an AsyncLocalStorage on a Node before 24,
 * an APM agent), kept up to date by counting the calls to AsyncHook's enable() and disable(). The master reads it before it interrupts a stuck
 * handler (threads/interrupt-thread.ts): unwinding a promise continuation while hooks are on
 * leaves node's async-id stack unbalanced, and node aborts the whole process on that. With
 * hooks on, the stuck thread is terminated instead.
 */
import { createHook } from 'node:async_hooks';

type Toggle = (this: object) => unknown;

export function countEnabledAsyncHooks(onChange: (enabled: number) => void): void {
  const proto = Object.getPrototypeOf(createHook({})) as { enable: Toggle; disable: Toggle };
  const enabled = new Set<object>();
  const { enable, disable } = proto;
  proto.enable = function (this: object) {
    const result = enable.call(this);
    enabled.add(this);
    onChange(enabled.size);
    return result;
  };
  proto.disable = function (this: object) {
    const result = disable.call(this);
    enabled.delete(this);
    onChange(enabled.size);
    return result;
  };
}
