#!/usr/bin/env node
/**
 * The `newsmesh` binary: one subcommand per module. Subcommands other than `start` and
 * `check` talk to a running node through its local API.
 */
import { Command, type CommanderError } from 'commander';
import { commands } from './commands';

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

const program = new Command('newsmesh').description('a Usenet-inspired, decentralized message board node').showHelpAfterError();
for (const make of commands) program.addCommand(make());
configure(program);
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`newsmesh: ${err.message}\n`);
  process.exit(1);
});
