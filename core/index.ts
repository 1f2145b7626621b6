// Shared foundations: errors, clock, configuration, retry/breakers, logging. Imports nothing of ours.
export * from './clock.js';
export * from './config.js';
export * from './errors.js';
export * from './headers.js';
export * from './logger.js';
export * from './record.js';
export * from './retry.js';
