// One build for every bundle: the extension host, the engine (also the CLI), and the browser
// bundles of the webviews and the notebook renderer. Usage: node scripts/build.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

/** Every folder of webview/ with a main.ts is one browser bundle (views and the renderer alike). */
const browserEntries = fs
  .readdirSync(path.join(root, 'webview'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'webview', d.name, 'main.ts')))
  .map((d) => ({ in: `webview/${d.name}/main.ts`, out: d.name }));

const builds = [
  {
    ...common,
    entryPoints: ['src/host/extension.ts'],
    outfile: 'dist/host/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    // The engine's worker threads (training, scoring) are their own bundles: threads load them by file.
    entryPoints: [
      { in: 'src/engine/main.ts', out: 'main' },
      { in: 'src/engine/model/trainWorker.ts', out: 'trainWorker' },
      { in: 'src/engine/model/scoreWorker.ts', out: 'scoreWorker' },
    ],
    outdir: 'dist/engine',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Native or optional packages load at run time from node_modules, where they exist at all
    // (usearch finds its prebuilt binary beside its own files); tsx only when the engine runs from
    // source (dataParallel.ts starts TypeScript workers then).
    external: ['@tensorflow/tfjs-node-gpu', 'webgpu', 'sharp', 'usearch', 'tsx'],
  },
  {
    ...common,
    entryPoints: browserEntries,
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    loader: { '.css': 'text' },
  },
];

/**
 * The .wasm files the engine loads beside its bundle: TensorFlow.js' backend, and the DICOM
 * decoders (CharLS, OpenJPEG), whose JavaScript is bundled and loaded on first use.
 */
const WASM_SOURCES = [
  { dir: 'node_modules/@tensorflow/tfjs-backend-wasm/dist', files: (f) => f.endsWith('.wasm') },
  { dir: 'node_modules/@cornerstonejs/codec-charls/dist', files: (f) => f === 'charlswasm_decode.wasm' },
  { dir: 'node_modules/@cornerstonejs/codec-openjpeg/dist', files: (f) => f === 'openjpegwasm_decode.wasm' },
];

function copyWasmBinaries() {
  const to = path.join(root, 'dist/engine');
  fs.mkdirSync(to, { recursive: true });
  for (const source of WASM_SOURCES) {
    const from = path.join(root, source.dir);
    for (const file of fs.readdirSync(from).filter(source.files)) {
      fs.copyFileSync(path.join(from, file), path.join(to, file));
    }
  }
}

copyWasmBinaries();
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('watching for changes…');
} else {
  const started = Date.now();
  await Promise.all(builds.map((options) => esbuild.build(options)));
  console.log(
    `built ${builds.length} targets (${browserEntries.length} browser bundles) in ${Date.now() - started} ms`,
  );
}
