/** Every subcommand of the CLI; features add theirs here. */
import type { Command } from 'commander';
import { mirrorCommand } from './mirror';
import { exportCommand } from './export';
import { importCommand } from './import';
import { startCommand } from './start';
import { postCommand } from './post';
import { checkCommand } from './check';
import { peersCommand } from './peers';
import { mirrorsCommand } from './mirrors';
import { groupsCommand, showCommand, threadsCommand } from './read';
import { replyCommand } from './reply';
import { blockCommand, cancelCommand, removalsCommand, removeCommand } from './takedown';

export const commands: (() => Command)[] = [
  startCommand,
  postCommand,
  replyCommand,
  groupsCommand,
  threadsCommand,
  showCommand,
  checkCommand,
  mirrorCommand,
  mirrorsCommand,
  exportCommand,
  importCommand,
  peersCommand,
  cancelCommand,
  removeCommand,
  removalsCommand,
  blockCommand,
];
