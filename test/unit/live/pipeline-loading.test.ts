import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

/** Which of the given packages a fresh Node process has loaded after requiring `module`. */
function loadedBy(module: string, packages: string[]): string[] {
  const script = `
    require(${JSON.stringify(join(root, module))});
    const loaded = Object.keys(require.cache);
    const packages = ${JSON.stringify(packages)};
    process.stdout.write(JSON.stringify(packages.filter((p) => loaded.some((f) => f.includes('/node_modules/' + p + '/')))));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8' })) as string[];
}

describe('the live pipeline module', () => {
  it('loads neither the code analyser\'s parser nor TensorFlow.js until a process needs them: processors other than the predictor restart sooner', () => {
    expect(loadedBy('streams/live/pipeline.ts', ['typescript', '@typescript-eslint/typescript-estree', '@tensorflow/tfjs-core'])).toEqual([]);
  });

  it('follows trained models, as a predictor does, without TensorFlow.js: its estimator runs without it', () => {
    expect(loadedBy('streams/trainer/follow.ts', ['@tensorflow/tfjs-core'])).toEqual([]);
    expect(loadedBy('models/code/estimator-training.ts', ['@tensorflow/tfjs-core'])).toEqual(['@tensorflow/tfjs-core']);
  });

  it('would see them loaded (the check can fail)', () => {
    expect(loadedBy('models/code/analyzer.ts', ['typescript', '@typescript-eslint/typescript-estree'])).toEqual(['typescript', '@typescript-eslint/typescript-estree']);
  });
});
