import { Counter, type Registry } from 'prom-client';
import type { Analyzer, AnalyzerCounts } from '../../models/code/analyzer';

/**
 * `prm_predictor_code_analyses_total{result}`: requests whose code the predictor's analyser
 * answered from its cache (`cached`) or analysed (`parsed`, or `unparsed`: refused by a limit or
 * not parsable). An analysis costs milliseconds where a cached answer costs a lookup, so the share
 * of first-seen code is what the predictor's CPU follows. Read from the analyser at each scrape;
 * it counts per process (a request reprocessed after an aborted transaction counts again).
 */
export function registerAnalyzerMetrics(registry: Registry, app: string, analyzer: Analyzer): void {
  const results: (keyof AnalyzerCounts)[] = ['cached', 'parsed', 'unparsed'];
  new Counter({
    name: 'prm_predictor_code_analyses_total',
    help: 'Requests whose code the predictor answered from its analysis cache (cached) or analysed (parsed, unparsed)',
    labelNames: ['app', 'result'],
    registers: [registry],
    collect() {
      const counts = analyzer.counts();
      this.reset();
      for (const result of results) this.inc({ app, result }, counts[result]);
    },
  });
}
