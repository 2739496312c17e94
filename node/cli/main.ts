#!/usr/bin/env node
/**
 * The `newsmesh` binary: one subcommand per module. Subcommands other than `start` and
 * `check` talk to a running node through its local API.
 */
import { Command, type CommanderError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commands } from './commands';

/** The package version, from the nearest package.json (source tree or dist/). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** Usage mistakes read like every other CLI failure: `newsmesh: reason`, exit 2. */
const output = {
  outputError: (str: string, write: (s: string) => void) => write(`newsmesh: ${str.replace(/^error: /, '')}`),
};
const exit = (err: CommanderError) => {
  process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2);
};

/** Applies the output and exit rules to a command and all its subcommands (addCommand does not inherit them). */
function configure(cmd: Command): Command {
  cmd.configureOutput(output).exitOverride(exit);
  for (const sub of cmd.commands) configure(sub);
  return cmd;
}

const program = new Command('newsmesh')
  .description('a Usenet-inspired, decentralized message board node')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();
for (const make of commands) program.addCommand(make());
configure(program);
// Bare `newsmesh` is a usage mistake like any other: the help on stderr, exit 2.
if (process.argv.length <= 2) {
  process.stderr.write(program.helpInformation());
  process.exit(2);
}
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`newsmesh: ${err.message}\n`);
  process.exit(1);
});
