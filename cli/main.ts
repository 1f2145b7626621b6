#!/usr/bin/env node
// `tmbus`: the command-line entry of the bus. Each area contributes its own subcommand; this file
// only mounts them and turns a BusError into a clear message and a non-zero exit.

import { Command } from 'commander';
import { isBusError } from '../core/errors.js';
import { schemasCommand } from '../schemas/index.js';
import { chainCommand } from './chain.js';
import { demoCommand } from './demo.js';
import { describeCommand } from './describe.js';
import { gatewayCommand } from './gateway.js';
import { lagCommand } from './lag.js';
import { publishCommand } from './publish.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { servicesCommand } from './services.js';
import { stateCommand } from './state.js';
import { tailCommand } from './tail.js';
import { tokenCommand } from './token.js';

export function createProgram(): Command {
  const program = new Command('tmbus')
    .description('TradeMaster Event Bus: Avro-typed Kafka stream processing with a real-time Socket.IO edge')
    .showHelpAfterError()
    .enablePositionalOptions();
  program.addCommand(runCommand());
  program.addCommand(describeCommand());
  program.addCommand(schemasCommand());
  program.addCommand(gatewayCommand());
  program.addCommand(replayCommand());
  program.addCommand(lagCommand());
  program.addCommand(stateCommand());
  program.addCommand(chainCommand());
  program.addCommand(tailCommand());
  program.addCommand(publishCommand());
  program.addCommand(tokenCommand());
  program.addCommand(servicesCommand());
  program.addCommand(demoCommand());
  return program;
}

createProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    if (isBusError(e)) console.error(`tmbus: ${e.code}: ${e.message}`);
    else console.error(`tmbus: ${e instanceof Error ? e.stack : String(e)}`);
    process.exitCode = 1;
  });
