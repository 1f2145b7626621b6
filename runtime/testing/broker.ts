// Moved to the in-process transport (production code, the demo, runs on it); kept for old imports.
export * from '../transport/inprocess/broker.js';
