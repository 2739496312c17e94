/** Every subcommand of the CLI; features add theirs here. */
import type { Command } from 'commander';
import { startCommand } from './start';
import { postCommand } from './post';

export const commands: (() => Command)[] = [startCommand, postCommand];
