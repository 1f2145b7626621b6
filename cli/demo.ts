// `tmbus demo` (`npm start`): the zero-setup demo. Until the embedded demo lands it reports the
// state of the real services the bus runs on.

import { Command } from 'commander';
import { runServices } from './services.js';

export function demoCommand(): Command {
  return new Command('demo').description('run the TradeMaster demo').action(() => {
    console.log('TradeMaster Event Bus demo — services status:');
    process.exitCode = runServices(['status']);
  });
}
