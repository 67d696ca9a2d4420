import { runExactlyOnce } from '../../streams/runtime/verify/exactly-once';

jest.setTimeout(600_000);

// The CI-sized `prm verify exactly-once`: instances in child processes, SIGKILLed mid-stream and
// frozen into zombies; once with one processor, once through a fused chain (relay+counter, one
// task per partition).
it.each([{ fused: false }, { fused: true }])('counts every record exactly once while instances are SIGKILLed, restarted and frozen into zombies (fused: $fused)', async ({ fused }) => {
  const report = await runExactlyOnce({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    records: 3000,
    kills: 2,
    pauses: 1,
    instances: 2,
    keys: 100,
    seed: 7,
    fused,
  });
  expect(report.killsPerformed).toBe(2);
  expect(report.pausesPerformed).toBe(1);
  expect(report.check.unexpected).toBe(0);
  expect({ lost: report.recordsLost, duplicated: report.recordsDuplicated, correct: report.finalCountsCorrect }).toEqual({
    lost: 0,
    duplicated: 0,
    correct: true,
  });
  expect(report.recordsProduced).toBe(3000);
});
