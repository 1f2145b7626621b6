// librdkafka calls that outlived their JavaScript guard. node-rdkafka runs blocking calls
// (transactions, disconnect) on libuv's thread pool; one stuck there keeps its thread, and at exit
// libuv joins every pool thread, so `process.exit` would wait for a call that may never return
// (seen: a `sendOffsetsToTransaction` stuck for minutes after a broker was SIGKILLed). The runtime
// has already replaced such a client; this count lets the process exit without joining it.

let stuck = 0;

/** Counts a native call as stuck until the returned function is called (its late answer). */
export function markNativeCallStuck(): () => void {
  stuck++;
  let answered = false;
  return () => {
    if (answered) return;
    answered = true;
    stuck--;
  };
}

/** Native calls abandoned by their guard that have not answered yet. */
export function stuckNativeCalls(): number {
  return stuck;
}
