/** Options shared by the subcommands that talk to a running node. */
import { Option } from 'commander';

export const apiOption = () =>
  new Option('--api <url>', "the node's local API").env('NEWSMESH_API').default('http://127.0.0.1:8080');
