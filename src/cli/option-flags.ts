import { type Command, Option } from 'commander';
import { OPTION_SPECS } from '../config/options';
import { type PartialOptions, parseValue } from '../config/resolve-options';

/** Options whose flag takes no value: off by default, `--watch` alone turns it on. */
const SWITCHES = new Set<string>(['watch', 'http2', 'requestLogging']);

/** Adds one flag per option, documented with its default and environment variable. */
export function addOptionFlags(command: Command): Command {
  for (const spec of OPTION_SPECS) {
    const placeholder = SWITCHES.has(spec.key)
      ? ''
      : spec.kind === 'int'
        ? ' <n>'
        : spec.kind === 'bool'
          ? ' <true|false>'
          : spec.choices
            ? ` <${spec.choices.join('|')}>`
            : ' <value>';
    command.addOption(new Option(`--${spec.flag}${placeholder}`, `${spec.describe} (default: ${spec.shownDefault}; env ${spec.env})`));
  }
  return command;
}

/**
 * Turns commander's raw strings into typed options; a bad value throws a coded error naming
 * the flag. Defaults are not filled in here: the resolver layers them under env and code.
 */
export function readOptionFlags(raw: Record<string, unknown>): PartialOptions {
  const out: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const value = raw[spec.key];
    if (typeof value === 'string') out[spec.key] = parseValue(spec, value, `--${spec.flag}`);
    else if (value === true && SWITCHES.has(spec.key)) out[spec.key] = true;
  }
  return out as PartialOptions;
}
