#!/usr/bin/env node
/**
 * The `newsmesh` binary: one subcommand per module. Subcommands other than `start` and
 * `check` talk to a running node through its local API.
 */
import { Command } from 'commander';
import { commands } from './commands';

const program = new Command('newsmesh')
  .description('a Usenet-inspired, decentralized message board node')
  .showHelpAfterError()
  .exitOverride((err) => {
    process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2);
  });
for (const make of commands) program.addCommand(make());
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`newsmesh: ${err.message}\n`);
  process.exit(1);
});
