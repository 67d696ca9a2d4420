import type { CountedTopic } from '../../../streams/verify-faults/outputs-reader';
import { countedTopics } from '../../../streams/verify-faults/outputs-reader';
import { compareReaders } from '../../../streams/verify-faults/reader-check';

function readerOf(counts: Partial<Record<CountedTopic, Record<string, number>>>, places: Partial<Record<CountedTopic, Record<string, string[]>>> = {}) {
  return {
    counts: new Map(countedTopics.map((t) => [t, new Map(Object.entries(counts[t] ?? {}))])),
    places: new Map(countedTopics.map((t) => [t, new Map(Object.entries(places[t] ?? {}))])),
  };
}

describe('compareReaders', () => {
  it('names each request a topic counts otherwise in the live reader, missed or doubled, with where the recount found it', () => {
    const live = readerOf({ 'prm.dispatches': { a: 1, b: 2 }, 'prm.telemetry': { a: 1 } });
    const recounted = readerOf(
      { 'prm.dispatches': { a: 1, b: 1 }, 'prm.telemetry': { a: 1, c: 1 } },
      { 'prm.dispatches': { b: ['3@17'] }, 'prm.telemetry': { c: ['0@41'] } },
    );
    expect(compareReaders(live, recounted, ['prm.telemetry/2 at 5 of 9'])).toEqual({
      liveBehind: ['prm.telemetry/2 at 5 of 9'],
      disagreeing: 2,
      disagreements: [
        { topic: 'prm.dispatches', requestId: 'b', live: 2, recounted: 1, at: ['3@17'] },
        { topic: 'prm.telemetry', requestId: 'c', live: 0, recounted: 1, at: ['0@41'] },
      ],
    });
  });

  it('agrees when every count matches', () => {
    const counts = { 'prm.requests': { a: 1 }, 'prm.demand-predictions': { a: 1 } };
    expect(compareReaders(readerOf(counts), readerOf(counts), [])).toEqual({ liveBehind: [], disagreeing: 0, disagreements: [] });
  });
});
