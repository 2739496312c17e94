/** Every subcommand of the CLI; features add theirs here. */
import type { Command } from 'commander';
import { mirrorCommand } from './mirror';
import { exportCommand } from './export';
import { importCommand } from './import';
import { startCommand } from './start';
import { postCommand } from './post';
import { checkCommand } from './check';
import { peersCommand } from './peers';

export const commands: (() => Command)[] = [startCommand, postCommand, checkCommand, mirrorCommand, exportCommand, importCommand, peersCommand];
