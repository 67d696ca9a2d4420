import { connectionFromEnv } from '../../stack/connection';
import { allFaults, type FaultsReport, runFaults } from '../../streams/verify-faults/faults';
import { FUSED_CHAIN } from '../../streams/verify-faults/harness';

jest.setTimeout(900_000);

const cleanStages = {
  predictions: { lost: 0, duplicated: 0 },
  dispatches: { lost: 0, duplicated: 0 },
  telemetry: { lost: 0, duplicated: 0 },
  telemetryRows: { lost: 0, duplicated: 0 },
};

// The CI-sized `prm verify faults`: every processor type in its own process, each SIGKILLed once
// mid-stream and restarted, the broker and the registry restarted, the database stopped for 60 s.
// The broker, registry and database are the shared local stack's: they come back on the same
// ports with the same endpoints file.
it('loses and doubles no request under kills, a broker and registry restart and a 60 s database outage', async () => {
  const started = Date.now();
  const report: FaultsReport = await runFaults({
    connection: connectionFromEnv(),
    requests: 300,
    faults: allFaults,
    killsPerType: 1,
    dbOutageSeconds: 60,
    rate: 5,
    say: (line) => process.stderr.write(`[faults] ${line}\n`),
  });
  const rows = Object.entries(report.faults).map(([name, f]) => ({
    fault: name, requests: f.requests, lost: f.lost, duplicated: f.duplicated, recovered_in_s: f.recovered_in_s, outage_s: f.outage_s, gave_up: f.crashed,
    ...(f.predictor_restarted_in_outage_s === undefined ? {} : { predictor_restarted_in_outage_s: f.predictor_restarted_in_outage_s }),
  }));
  process.stderr.write(`[faults] ${((Date.now() - started) / 1000).toFixed(0)} s\n${JSON.stringify({ faults: rows, totals: report.totals }, null, 2)}\n`);

  expect(Object.keys(report.faults).sort()).toEqual([...allFaults].sort());
  for (const [name, f] of Object.entries(report.faults)) {
    // Each fault met traffic of its own, and the pipeline came back from it.
    expect({ name, hadRequests: f.requests > 0, recovered: f.recovered_in_s !== null }).toEqual({ name, hadRequests: true, recovered: true });
    // Where a request went missing or doubled, and which, show in the diff.
    expect({ name, lost: f.lost, duplicated: f.duplicated, stages: f.stages, examples: f.examples }).toEqual({ name, lost: 0, duplicated: 0, stages: cleanStages, examples: [] });
  }
  // The request path does not need the history database: the predictor, SIGKILLed while it was
  // away, processed again before it came back.
  expect(report.faults['db-outage']!.predictor_restarted_in_outage_s).toEqual(expect.any(Number));
  expect(report.totals.drained).toBe(true);
  expect({ lost: report.totals.lost, duplicated: report.totals.duplicated, stages: report.totals.stages }).toEqual({ lost: 0, duplicated: 0, stages: cleanStages });
  expect(report.totals.requests).toBeGreaterThanOrEqual(300);
  expect(report.totals.foreignOutputs).toBe(0);
  // No run is lost here (the simulated pool restores its own), so no lease may run out: its room would be handed out twice.
  expect(report.totals.runsPresumedLost).toEqual([]);
  // A processor that gives up during a fault (exits by itself) is restarted, as a supervisor
  // would; the counts above hold with that, and the exits are printed as findings, not failures.
  // The stack's services must ride out each other's faults (the registry a broker restart).
  expect(Object.values(report.faults).flatMap((f) => f.crashed.filter((c) => c.startsWith('stack ')))).toEqual([]);
});

// The layout `prm start` runs: the predictor and the scheduler fused in one process (one task and
// transaction per partition). Killing that process mid-stream twice, and the broker restart,
// must lose and double nothing either.
it('loses and doubles no request when the fused predictor+scheduler process is SIGKILLed and the broker restarts', async () => {
  const faults = [`kill-${FUSED_CHAIN}`, 'broker-restart'];
  const report: FaultsReport = await runFaults({
    connection: connectionFromEnv(),
    requests: 120,
    faults,
    killsPerType: 2,
    dbOutageSeconds: 60,
    rate: 5,
    fused: true,
    say: (line) => process.stderr.write(`[faults fused] ${line}\n`),
  });
  process.stderr.write(`[faults fused] ${JSON.stringify(report.faults, null, 2)}\n`);
  expect(Object.keys(report.faults).sort()).toEqual([...faults].sort());
  expect(report.faults[`kill-${FUSED_CHAIN}`]!.injections).toBe(2);
  expect(Object.values(report.faults).flatMap((f) => f.crashed.filter((c) => c.startsWith('stack ')))).toEqual([]);
  for (const [name, f] of Object.entries(report.faults)) {
    expect({ name, hadRequests: f.requests > 0, recovered: f.recovered_in_s !== null, lost: f.lost, duplicated: f.duplicated, stages: f.stages, examples: f.examples }).toEqual({
      name, hadRequests: true, recovered: true, lost: 0, duplicated: 0, stages: cleanStages, examples: [],
    });
  }
  expect(report.totals.drained).toBe(true);
  expect({ lost: report.totals.lost, duplicated: report.totals.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  expect(report.totals.foreignOutputs).toBe(0);
  expect(report.totals.runsPresumedLost).toEqual([]);
});
