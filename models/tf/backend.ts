import * as tf from '@tensorflow/tfjs';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<TfBackendName> | undefined;

/**
 * Picks the fastest TensorFlow.js backend that loads here: tfjs-node (native libtensorflow, an
 * optional dependency that cannot install without internet), else WASM, else pure JS.
 * Loading a backend is a side effect on the tf module, not IO the cores can see; the choice is
 * reported through `log` so a run says which one it measured.
 */
export function initTfBackend(log: (line: string) => void = () => {}): Promise<TfBackendName> {
  chosen ??= choose(log);
  return chosen;
}

async function choose(log: (line: string) => void): Promise<TfBackendName> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    if (await tf.setBackend('tensorflow')) return done('tensorflow', log);
  } catch {
    // not installed: fall through to WASM
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    const dir = require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'dist/');
    wasm.setWasmPaths(dir);
    if (await tf.setBackend('wasm')) return done('wasm', log);
  } catch (err) {
    log(`tfjs: wasm backend unavailable (${(err as Error).message})`);
  }
  await tf.setBackend('cpu');
  return done('cpu', log);
}

async function done(name: TfBackendName, log: (line: string) => void): Promise<TfBackendName> {
  await tf.ready();
  log(`tfjs: using the ${name} backend`);
  return name;
}

export { tf };
