// Processors: the stage operators topologies are made of, one per file, each a pipeable RxJS
// operator over `StreamRecord`s built with `operate`, plus the state stores they use.
export * from './aggregate.js';
export * from './correlate.js';
export * from './count.js';
export * from './filter.js';
export * from './filterNot.js';
export * from './flatMap.js';
export * from './flatMapValues.js';
export * from './map.js';
export * from './mapValues.js';
export * from './materialize.js';
export * from './operate.js';
export * from './peek.js';
export * from './record.js';
export * from './reduce.js';
export * from './schedulerClock.js';
export * from './selectKey.js';
export * from './sessionAggregate.js';
export * from './sink.js';
export * from './split.js';
export * from './stores/index.js';
export * from './streamStreamJoin.js';
export * from './streamTableJoin.js';
export * from './transform.js';
export * from './where.js';
export * from './windowedAggregate.js';
export * from './windows.js';
