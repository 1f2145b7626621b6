// Test shim: mounts the ops command factories on a program the way cli/main.ts does, so tests run
// `npx tsx test/integration/ops/support/tmbus-ops.ts replay …` as an operator would run
// `tmbus replay …`, without depending on the lead's wiring of main.ts.

import { Command } from 'commander';
import { chainCommand } from '../../../../cli/chain.js';
import { lagCommand } from '../../../../cli/lag.js';
import { replayCommand } from '../../../../cli/replay.js';
import { tokenCommand } from '../../../../cli/token.js';
import { isBusError } from '../../../../core/errors.js';

const program = new Command('tmbus').showHelpAfterError().enablePositionalOptions();
program.addCommand(replayCommand());
program.addCommand(lagCommand());
program.addCommand(tokenCommand());
program.addCommand(chainCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  if (isBusError(e)) console.error(`tmbus: ${e.code}: ${e.message}`);
  else console.error(`tmbus: ${e instanceof Error ? e.stack : String(e)}`);
  process.exitCode = 1;
});
