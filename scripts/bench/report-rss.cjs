// Preloaded (`node --require`) into a measured process: prints on exit its peak resident memory and
// the high-water of its JavaScript heap (the main thread's; worker threads have heaps of their own).
// The heap only grows between collections, so its peak is the largest heap in use just before a
// collection, or the heap in use at exit. v8.GCProfiler records the former at every collection,
// where a sampling timer would miss whatever synchronous work starves the event loop. Much of that
// peak can be garbage, so the heap left after the fullest collection is printed too.
const v8 = require('node:v8');
const { isMainThread } = require('node:worker_threads');

// Preloads run in worker threads too: only the main thread reports, at the process's end, so the
// first figures on stderr are the whole process's, not those of a thread that ended early.
if (isMainThread) report();

function report() {
  const profiler = new v8.GCProfiler();
  profiler.start();
  process.on('exit', () => {
    // Read before the profiler's records become JavaScript objects, so they cannot raise either peak.
    const maxRss = process.resourceUsage().maxRSS;
    let peakHeap = v8.getHeapStatistics().used_heap_size;
    // What a full collection left: the most the process held at once, its garbage not counted (a
    // scavenge leaves the old generation's garbage, so only full collections say it). None when the
    // process never needed one.
    let liveHeap;
    for (const gc of profiler.stop()?.statistics ?? []) {
      peakHeap = Math.max(peakHeap, gc.beforeGC.heapStatistics.usedHeapSize);
      if (gc.gcType === 'MarkSweepCompact') liveHeap = Math.max(liveHeap ?? 0, gc.afterGC.heapStatistics.usedHeapSize);
    }
    process.stderr.write(
      `\nBENCH_MAX_RSS_KB=${maxRss}\nBENCH_PEAK_HEAP_KB=${Math.round(peakHeap / 1024)}\n` +
        (liveHeap === undefined ? '' : `BENCH_LIVE_HEAP_KB=${Math.round(liveHeap / 1024)}\n`),
    );
  });
}
