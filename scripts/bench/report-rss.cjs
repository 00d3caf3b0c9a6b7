// Preloaded (`node --require`) into a measured process: prints on exit its peak resident memory and
// the high-water of its JavaScript heap (the main thread's; worker threads have heaps of their own).
// The heap only grows between collections, so its peak is the largest heap in use just before a
// collection, or the heap in use at exit. v8.GCProfiler records the former at every collection,
// where a sampling timer would miss whatever synchronous work starves the event loop.
const v8 = require('node:v8');

const profiler = new v8.GCProfiler();
profiler.start();
process.on('exit', () => {
  let peakHeap = v8.getHeapStatistics().used_heap_size;
  for (const gc of profiler.stop()?.statistics ?? [])
    peakHeap = Math.max(peakHeap, gc.beforeGC.heapStatistics.usedHeapSize);
  process.stderr.write(
    `\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\nBENCH_PEAK_HEAP_KB=${Math.round(peakHeap / 1024)}\n`,
  );
});
