import { Registry } from 'prom-client';
import { createAnalyzer } from '../../../models/code/analyzer';
import { registerAnalyzerMetrics } from '../../../streams/live/analyzer-metrics';

test('the predictor\'s analyses are exported as counted at each scrape, by result', async () => {
  const registry = new Registry();
  const analyzer = createAnalyzer();
  registerAnalyzerMetrics(registry, 'prm', analyzer);
  const line = (text: string, result: string) => text.split('\n').find((l) => l.startsWith(`prm_predictor_code_analyses_total{app="prm",result="${result}"}`));
  expect(line(await registry.metrics(), 'parsed')).toMatch(/ 0$/);
  analyzer.analyze('let a = 1;');
  analyzer.analyze('let a = 1;');
  analyzer.analyze('let b = ;');
  const text = await registry.metrics();
  expect(line(text, 'cached')).toMatch(/ 1$/);
  expect(line(text, 'parsed')).toMatch(/ 1$/);
  expect(line(text, 'unparsed')).toMatch(/ 1$/);
  // A later scrape reads the analyser again rather than adding to what the last one exported.
  analyzer.analyze('let a = 1;');
  expect(line(await registry.metrics(), 'cached')).toMatch(/ 2$/);
});
