import { readFileSync } from 'node:fs';
import { artifactPath, type EstimatorArtifact } from '../../../models/code/estimator';
import { createAnalyzer } from '../../../models/code/analyzer';
import {
  artifactUri, parseArtifact, parseArtifactUri, serializeArtifact, versionName, wrapEstimatorArtifact,
} from '../../../models/training/artifact';
import { codeFeaturesEvent, eventView, featuresFromEvent } from '../../../models/training/code-features-event';
import { loadTrainedEstimator } from '../../../models/training/load';

const shipped = JSON.parse(readFileSync(artifactPath, 'utf8')) as EstimatorArtifact;
const analyzer = createAnalyzer({ cacheSize: 0 });
const program = 'const xs = [];\nfor (let i = 0; i < 100000; i++) { for (let j = 0; j < 20; j++) xs.push(i * j); }\nconsole.log(xs.length);\n';

describe('model artifacts', () => {
  it('round-trips through its stored text and refuses what is not an artifact', () => {
    const artifact = wrapEstimatorArtifact(shipped, 'code-features-event');
    expect(parseArtifact(serializeArtifact(artifact))).toEqual(artifact);
    expect(parseArtifact(JSON.parse(serializeArtifact(artifact)))).toEqual(artifact);
    expect(() => parseArtifact(shipped)).toThrow(/not a prm-trained-code-estimator/);
    expect(() => parseArtifact({ ...artifact, inputs: 'pixels' })).toThrow(/unknown estimator inputs/);
    expect(() => parseArtifact({ ...artifact, estimator: {} })).toThrow(/no prm-code-estimator/);
    // A fitted mixing travels with it; a k that is not a positive number for every resource is refused.
    const mixed = wrapEstimatorArtifact(shipped, 'analyzer', { codeEvidenceStrength: { cpu_ms: 1_000, peak_memory_mb: 0.5, duration_ms: 20 } });
    expect(parseArtifact(serializeArtifact(mixed))).toEqual(mixed);
    expect(() => parseArtifact({ ...mixed, mixing: { codeEvidenceStrength: { cpu_ms: 1_000, peak_memory_mb: 0, duration_ms: 20 } } })).toThrow(/peak_memory_mb must be a positive number, got 0/);
    expect(() => parseArtifact({ ...mixed, mixing: { codeEvidenceStrength: 5 } })).toThrow(/cpu_ms must be a positive number/);
  });

  it('names versions by training time and digest, and addresses them by URI', () => {
    expect(versionName(new Date(Date.UTC(2026, 10, 28, 8, 30, 5, 123)), 'abcdef0123456789')).toBe('20261128T083005Z-abcdef01');
    const uri = artifactUri('code-estimator', '20261128T083005Z-abcdef01');
    expect(uri).toBe('db://prm.model_artifacts/code-estimator/20261128T083005Z-abcdef01');
    expect(parseArtifactUri(uri)).toEqual({ modelName: 'code-estimator', version: '20261128T083005Z-abcdef01' });
    expect(() => parseArtifactUri('file:///tmp/model.json')).toThrow(/not a model artifact URI/);
  });

  it('feeds a model retrained on the event view only what the event keeps, and the shipped model everything', async () => {
    const features = analyzer.analyze(program);
    expect(features.estimatedOps).toBeGreaterThan(1e6);
    const view = eventView(features);
    expect(view).toMatchObject({ parsed: true, loops: 2, estimatedOps: 0, maxLoopBound: 0 });
    expect(eventView(view)).toEqual(view);
    const event = codeFeaturesEvent({ requestId: 'r', userId: 'u', submittedAt: new Date(0), language: 'JAVASCRIPT' }, features, 1);
    expect(featuresFromEvent(event)).toEqual(view);

    const full = await loadTrainedEstimator(wrapEstimatorArtifact(shipped, 'analyzer'));
    const masked = await loadTrainedEstimator(wrapEstimatorArtifact(shipped, 'code-features-event'));
    try {
      expect(masked.estimate([features])).toEqual(full.estimate([view]));
      expect(full.estimate([features])[0]!.cpu_ms.p50).toBeGreaterThan(full.estimate([view])[0]!.cpu_ms.p50);
    } finally {
      full.dispose();
      masked.dispose();
    }
  });

  it('reads a long flat loop in proportion to its trips, a small buffer beside it or not', async () => {
    // The shape of a batch job. With no such loop past 1e7 trips in the corpus, a typed array
    // beside a big loop bound looked like the sieve (whose estimated operations overcount its
    // work tenfold), and the shipped estimator's estimate beside a 1,000-cell buffer only doubled
    // from 2e6 to 2e7 trips.
    const loop = (trips: number, buffer: string) => analyzer.analyze(`${buffer}let h = 0;\nfor (let i = 0; i < ${trips}; i++) h = (h * 31 + i) | 0;\nconsole.log(h);\n`);
    const estimator = await loadTrainedEstimator(wrapEstimatorArtifact(shipped, 'analyzer'));
    try {
      for (const buffer of ['', 'const held = new Float64Array(1000);\n']) {
        const [a, b, c] = estimator.estimate([loop(2e6, buffer), loop(2e7, buffer), loop(2e8, buffer)]).map((e) => e.cpu_ms.p50);
        expect(b! / a!).toBeGreaterThan(4);
        expect(c! / b!).toBeGreaterThan(5);
        expect(c! / b!).toBeLessThan(20);
      }
    } finally {
      estimator.dispose();
    }
  });
});
