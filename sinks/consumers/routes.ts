import type { EventName, EventTypes } from '../../schemas/types.generated';
import { batchOf, type TableBatch } from '../batch-writer';
import * as rows from '../rows';
import * as tables from '../tables';

/** How the events of one catalogued topic become rows: the table and the pure mapping of sinks/rows.ts. */
export interface SinkRoute<E extends EventName = EventName> {
  /** The catalogue name (unprefixed), e.g. 'prm.telemetry'. */
  topic: string;
  event: E;
  /** The rows of a run of events, grouped by table (one event may give several rows). */
  toBatches(events: readonly EventTypes[E][]): TableBatch[];
}

function route<E extends EventName, Row extends object>(
  topic: string,
  event: E,
  table: tables.TableSpec<Row>,
  toRows: (event: EventTypes[E]) => Row | Row[],
): SinkRoute {
  const typed: SinkRoute<E> = {
    topic,
    event,
    toBatches: (events) => [batchOf(table, events.flatMap((e) => toRows(e)))],
  };
  return typed as unknown as SinkRoute;
}

/**
 * Every topic whose events are history the trainer and the report read. User profiles are a
 * compacted table rebuilt from telemetry, and prediction errors need a join of two topics, so
 * neither is sunk here.
 */
export const sinkRoutes: readonly SinkRoute[] = [
  route('prm.requests', 'ExecutionRequest', tables.executionRequests, rows.requestRow),
  route('prm.telemetry', 'ExecutionTelemetry', tables.executionTelemetry, rows.telemetryRow),
  route('prm.code-features', 'CodeFeatures', tables.codeFeatures, rows.codeFeaturesRow),
  route('prm.demand-predictions', 'PredictedDemand', tables.demandPredictions, rows.predictionRow),
  route('prm.cluster-metrics', 'ClusterMetrics', tables.clusterMetrics, rows.clusterMetricsRow),
  route('prm.cluster-forecasts', 'ClusterLoadForecast', tables.clusterLoadForecasts, rows.forecastRows),
  route('prm.scale-commands', 'ScaleCommand', tables.scaleCommands, rows.scaleCommandRow),
  route('prm.dispatches', 'JobDispatch', tables.jobDispatches, rows.dispatchRow),
  route('prm.model-updates', 'ModelUpdated', tables.modelVersions, rows.modelVersionRow),
];

/** The routes for some catalogue topic names; an unknown or unsinkable name is a configuration error. */
export function selectRoutes(names?: readonly string[]): SinkRoute[] {
  if (names === undefined) return [...sinkRoutes];
  if (names.length === 0) throw new RangeError('no topics to sink: name at least one');
  return names.map((name) => {
    const found = sinkRoutes.find((r) => r.topic === name);
    if (!found) {
      throw new RangeError(`topic ${name} has no sink: choose from ${sinkRoutes.map((r) => r.topic).join(', ')}`);
    }
    return found;
  });
}

