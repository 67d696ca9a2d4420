import type { DecayedDistribution, EventName, EventTypes, Quantiles, ResourceAllocation } from './types.generated';

/** Limits a value must respect beyond its schema. */
export interface ValidationLimits {
  /** Largest accepted request code in UTF-8 bytes. Default 256 KiB. */
  maxCodeBytes: number;
  /** How far past `now` an event time may be before it counts as bogus. Default 10 minutes. */
  maxFutureSkewMs: number;
  /** Earliest plausible event time; anything older is likely a seconds-vs-millis bug. Default 2000-01-01. */
  minTimeMs: number;
}

export const defaultValidationLimits: ValidationLimits = {
  maxCodeBytes: 256 * 1024,
  maxFutureSkewMs: 10 * 60 * 1000,
  minTimeMs: Date.UTC(2000, 0, 1),
};

export interface ValidationContext {
  /** The validator's notion of now: stream time (watermark) or the runtime clock, in epoch ms. */
  now: number;
  limits?: Partial<ValidationLimits>;
}

const hoursPerWeek = 168;
const maxIdLength = 256;

/**
 * Ceilings on measured usage, far above any real job (31 years of CPU, 1 PiB of memory, 2^53 bytes
 * of I/O) and far below where the profile's statistics break: a finite but absurd 1e300 ms squares
 * to Infinity in the variance, and that user's profile would be NaN from then on.
 */
const usageCeilings = { cpuMs: 1e12, peakMemoryBytes: 2 ** 50, ioBytes: Number.MAX_SAFE_INTEGER };

/** Collects violations as readable sentences naming the field and the offending value. */
class Checker {
  readonly violations: string[] = [];

  constructor(readonly now: number, readonly limits: ValidationLimits) {}

  fail(message: string): void {
    this.violations.push(message);
  }

  /** Puts `prefix` in front of the violations found since there were `from` of them. */
  prefixSince(from: number, prefix: string): void {
    for (let k = from; k < this.violations.length; k++) this.violations[k] = prefix + this.violations[k];
  }

  id(path: string, value: string): void {
    if (value.trim().length === 0) this.fail(`${path} is empty`);
    else if (value.length > maxIdLength) this.fail(`${path} is ${value.length} characters, over ${maxIdLength}`);
  }

  /** A time in the past or present: the event time of a record. */
  eventTime(path: string, value: Date): void {
    if (!this.time(path, value)) return;
    const ahead = value.getTime() - this.now;
    if (ahead > this.limits.maxFutureSkewMs) {
      this.fail(`${path} ${value.toISOString()} is ${Math.round(ahead / 1000)} s in the future (limit ${this.limits.maxFutureSkewMs / 1000} s)`);
    }
  }

  /** Any plausible time, future allowed (deadlines, forecast points). */
  time(path: string, value: Date): boolean {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) {
      this.fail(`${path} is not a valid time`);
      return false;
    }
    if (ms < this.limits.minTimeMs) {
      this.fail(`${path} ${value.toISOString()} is before ${new Date(this.limits.minTimeMs).toISOString()}`);
      return false;
    }
    return true;
  }

  notBefore(laterPath: string, later: Date, earlierPath: string, earlier: Date): void {
    if (later.getTime() < earlier.getTime()) this.fail(`${laterPath} is before ${earlierPath}`);
  }

  /** A finite number at least `min` (usage can be zero, never negative or NaN). */
  atLeast(path: string, value: number, min = 0): boolean {
    if (Number.isNaN(value)) this.fail(`${path} is NaN`);
    else if (!Number.isFinite(value)) this.fail(`${path} is infinite`);
    else if (value < min) this.fail(`${path} is ${value}, below ${min}`);
    else return true;
    return false;
  }

  between(path: string, value: number, min: number, max: number): void {
    if (this.atLeast(path, value, min) && value > max) this.fail(`${path} is ${value}, above ${max}`);
  }

  quantiles(path: string, q: Quantiles): void {
    // Checked before any path string is built: a prediction carries a dozen of these, nearly always valid.
    if (quantilesValid(q)) return;
    const ok = [this.atLeast(`${path}.p50`, q.p50), this.atLeast(`${path}.p90`, q.p90), this.atLeast(`${path}.p99`, q.p99)];
    if (ok.every(Boolean) && !(q.p50 <= q.p90 && q.p90 <= q.p99)) this.fail(`${path} quantiles are not ordered p50 <= p90 <= p99`);
  }

  allocation(path: string, a: ResourceAllocation): void {
    this.atLeast(`${path}.cpuMillicores`, a.cpuMillicores, 1);
    this.atLeast(`${path}.memoryBytes`, a.memoryBytes, 1);
    this.atLeast(`${path}.timeoutMs`, a.timeoutMs, 1);
  }

  distribution(path: string, d: DecayedDistribution): void {
    this.atLeast(`${path}.weight`, d.weight);
    this.atLeast(`${path}.ewma`, d.ewma);
    this.atLeast(`${path}.ewmVariance`, d.ewmVariance);
    this.atLeast(`${path}.max`, d.max);
    this.quantiles(path, d);
    if (d.bucketUpperBounds.length !== d.bucketWeights.length) {
      this.fail(`${path} has ${d.bucketUpperBounds.length} bucket bounds but ${d.bucketWeights.length} weights`);
    }
    if (d.bucketUpperBounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (d.bucketUpperBounds[i - 1] as number)))) {
      this.fail(`${path}.bucketUpperBounds are not finite and strictly ascending`);
    }
    d.bucketWeights.forEach((w, i) => this.atLeast(`${path}.bucketWeights[${i}]`, w));
  }
}

/** What Checker.atLeast accepts, as a predicate. */
function atLeastValid(value: number, min = 0): boolean {
  return Number.isFinite(value) && value >= min;
}

/** What Checker.quantiles accepts. */
function quantilesValid(q: Quantiles): boolean {
  return atLeastValid(q.p50) && atLeastValid(q.p90) && atLeastValid(q.p99) && q.p50 <= q.p90 && q.p90 <= q.p99;
}

type Rules = { [K in EventName]: (v: EventTypes[K], c: Checker) => void };

const rules: Rules = {
  ExecutionRequest(v, c) {
    c.id('requestId', v.requestId);
    c.id('userId', v.userId);
    c.between('priority', v.priority, 0, 9);
    const codeBytes = Buffer.byteLength(v.code, 'utf8');
    if (codeBytes === 0) c.fail('code is empty');
    if (codeBytes > c.limits.maxCodeBytes) c.fail(`code is ${codeBytes} bytes, over the ${c.limits.maxCodeBytes}-byte limit`);
    c.eventTime('submittedAt', v.submittedAt);
    if (v.deadline && c.time('deadline', v.deadline)) c.notBefore('deadline', v.deadline, 'submittedAt', v.submittedAt);
    const hints = v.resourceHints;
    if (hints) {
      if (hints.cpuMs != null) c.atLeast('resourceHints.cpuMs', hints.cpuMs);
      if (hints.memoryBytes != null) c.atLeast('resourceHints.memoryBytes', hints.memoryBytes);
      if (hints.timeoutMs != null) c.atLeast('resourceHints.timeoutMs', hints.timeoutMs, 1);
    }
  },
  ExecutionTelemetry(v, c) {
    c.id('requestId', v.requestId);
    c.id('userId', v.userId);
    c.id('instanceId', v.instanceId);
    c.eventTime('endedAt', v.endedAt);
    if (c.time('startedAt', v.startedAt)) c.notBefore('endedAt', v.endedAt, 'startedAt', v.startedAt);
    c.between('cpuMs', v.cpuMs, 0, usageCeilings.cpuMs);
    c.between('peakMemoryBytes', v.peakMemoryBytes, 0, usageCeilings.peakMemoryBytes);
    c.between('ioReadBytes', v.ioReadBytes, 0, usageCeilings.ioBytes);
    c.between('ioWriteBytes', v.ioWriteBytes, 0, usageCeilings.ioBytes);
    c.allocation('allocated', v.allocated);
    if (v.attempt !== undefined) c.atLeast('attempt', v.attempt, 1);
  },
  ClusterMetrics(v, c) {
    c.id('pool', v.pool);
    c.eventTime('at', v.at);
    c.atLeast('instancesRunning', v.instancesRunning);
    c.atLeast('instancesBooting', v.instancesBooting);
    c.atLeast('cpuCapacityMillicores', v.cpuCapacityMillicores);
    c.atLeast('memoryCapacityBytes', v.memoryCapacityBytes);
    c.between('cpuUtilization', v.cpuUtilization, 0, 1);
    c.between('memoryUtilization', v.memoryUtilization, 0, 1);
    c.between('ioUtilization', v.ioUtilization, 0, 1);
    c.atLeast('queueDepth', v.queueDepth);
    if (v.reservedFraction !== undefined) c.between('reservedFraction', v.reservedFraction, 0, 1);
  },
  SchedulerBacklog(v, c) {
    c.id('pool', v.pool);
    c.atLeast('task', v.task);
    c.eventTime('at', v.at);
    c.atLeast('queuedJobs', v.queuedJobs);
    c.atLeast('queuedCores', v.queuedCores);
    c.atLeast('queuedCoreSeconds', v.queuedCoreSeconds);
    if (v.reservedCores !== undefined) c.atLeast('reservedCores', v.reservedCores);
    if (v.oldestSubmittedAt) c.time('oldestSubmittedAt', v.oldestSubmittedAt);
  },
  FleetShare(v, c) {
    c.id('pool', v.pool);
    c.atLeast('task', v.task);
    c.eventTime('at', v.at);
    c.atLeast('instancesRunning', v.instancesRunning);
    c.atLeast('shareInstances', v.shareInstances);
    c.atLeast('demandInstances', v.demandInstances);
    // It moves the scheduler's lease clock: one far ahead would find every run lost.
    if (v.sampledAt) {
      c.eventTime('sampledAt', v.sampledAt);
      c.notBefore('at', v.at, 'sampledAt', v.sampledAt);
    }
  },
  PoolClock(v, c) {
    c.id('pool', v.pool);
    c.id('source', v.source);
    c.eventTime('at', v.at);
  },
  CodeFeatures(v, c) {
    c.id('requestId', v.requestId);
    c.id('userId', v.userId);
    c.eventTime('analyzedAt', v.analyzedAt);
    for (const field of ['codeBytes', 'lines', 'cyclomaticComplexity', 'maxNestingDepth', 'loopCount', 'maxLoopNesting',
      'functionCount', 'recursiveFunctionCount', 'importCount', 'literalBytes', 'parseMs'] as const) {
      c.atLeast(field, v[field]);
    }
    v.externalDependencies.forEach((d, i) => c.id(`externalDependencies[${i}]`, d));
  },
  UserProfile(v, c) {
    c.id('userId', v.userId);
    c.eventTime('updatedAt', v.updatedAt);
    if (c.time('firstSeenAt', v.firstSeenAt) && c.time('lastSeenAt', v.lastSeenAt)) {
      c.notBefore('lastSeenAt', v.lastSeenAt, 'firstSeenAt', v.firstSeenAt);
    }
    c.atLeast('halfLifeMs', v.halfLifeMs, 1);
    c.atLeast('observations', v.observations);
    for (const field of ['ok', 'error', 'timeout', 'oom'] as const) c.atLeast(`exitCounts.${field}`, v.exitCounts[field]);
    for (const field of ['cpuMs', 'peakMemoryBytes', 'ioBytes', 'durationMs', 'interArrivalMs'] as const) c.distribution(field, v[field]);
    if (v.hourOfWeekRates.length !== hoursPerWeek) c.fail(`hourOfWeekRates has ${v.hourOfWeekRates.length} entries, expected ${hoursPerWeek}`);
    v.hourOfWeekRates.forEach((r, i) => c.atLeast(`hourOfWeekRates[${i}]`, r));
  },
  PredictedDemand(v, c) {
    c.id('requestId', v.requestId);
    c.id('userId', v.userId);
    c.eventTime('predictedAt', v.predictedAt);
    c.eventTime('submittedAt', v.submittedAt);
    c.between('priority', v.priority, 0, 9);
    if (v.deadline) c.time('deadline', v.deadline);
    for (const field of ['cpuMs', 'peakMemoryBytes', 'ioBytes', 'durationMs'] as const) c.quantiles(field, v[field]);
    v.components.forEach((comp, i) => {
      // Checked under paths relative to the component; its index is put in front of what failed only.
      const from = c.violations.length;
      c.id('model.name', comp.model.name);
      c.between('weight', comp.weight, 0, 1);
      for (const field of ['cpuMs', 'peakMemoryBytes', 'ioBytes', 'durationMs'] as const) c.quantiles(field, comp[field]);
      if (comp.evidence != null) c.atLeast('evidence', comp.evidence);
      if (c.violations.length > from) c.prefixSince(from, `components[${i}].`);
    });
    c.atLeast('profileObservations', v.profileObservations);
  },
  ClusterLoadForecast(v, c) {
    c.id('forecastId', v.forecastId);
    c.id('pool', v.pool);
    c.eventTime('issuedAt', v.issuedAt);
    c.atLeast('stepMs', v.stepMs, 1);
    c.id('model.name', v.model.name);
    if (v.points.length === 0) c.fail('points is empty');
    v.points.forEach((p, i) => {
      if (!c.time(`points[${i}].at`, p.at)) return;
      const previous = i === 0 ? v.issuedAt : v.points[i - 1]?.at;
      if (previous && p.at.getTime() <= previous.getTime()) c.fail(`points[${i}].at is not after ${i === 0 ? 'issuedAt' : `points[${i - 1}].at`}`);
      c.atLeast(`points[${i}].expected`, p.expected);
      c.quantiles(`points[${i}]`, p);
    });
  },
  ScaleCommand(v, c) {
    c.id('commandId', v.commandId);
    c.id('pool', v.pool);
    c.eventTime('issuedAt', v.issuedAt);
    const hasTarget = v.targetInstances != null;
    const hasDelta = v.deltaInstances != null;
    if (hasTarget === hasDelta) c.fail('exactly one of targetInstances and deltaInstances must be set');
    if (v.targetInstances != null) c.atLeast('targetInstances', v.targetInstances);
    if (v.deltaInstances != null) c.atLeast('deltaInstances', v.deltaInstances, 1);
    if (c.time('effectiveBy', v.effectiveBy)) c.notBefore('effectiveBy', v.effectiveBy, 'issuedAt', v.issuedAt);
    if (v.explanation.trim().length === 0) c.fail('explanation is empty');
  },
  JobDispatch(v, c) {
    c.id('requestId', v.requestId);
    c.id('userId', v.userId);
    c.id('pool', v.pool);
    c.id('instanceId', v.instanceId);
    c.eventTime('dispatchedAt', v.dispatchedAt);
    c.allocation('allocation', v.allocation);
    c.atLeast('queuedMs', v.queuedMs);
    c.atLeast('priorityScore', v.priorityScore, -Number.MAX_VALUE);
    if (v.attempt !== undefined) c.atLeast('attempt', v.attempt, 1);
  },
  ModelUpdated(v, c) {
    c.id('modelName', v.modelName);
    c.id('version', v.version);
    c.id('artifactUri', v.artifactUri);
    c.eventTime('trainedAt', v.trainedAt);
    if (c.time('windowStart', v.windowStart) && c.time('windowEnd', v.windowEnd)) {
      if (v.windowEnd.getTime() <= v.windowStart.getTime()) c.fail('windowEnd is not after windowStart');
    }
    c.atLeast('trainingRows', v.trainingRows);
    for (const [name, value] of Object.entries(v.validationMetrics)) c.atLeast(`validationMetrics.${name}`, value, -Number.MAX_VALUE);
    for (const [name, value] of Object.entries(v.baselineMetrics)) c.atLeast(`baselineMetrics.${name}`, value, -Number.MAX_VALUE);
  },
  DeadLetter(v, c) {
    c.id('sourceTopic', v.sourceTopic);
    c.atLeast('sourcePartition', v.sourcePartition);
    c.atLeast('sourceOffset', v.sourceOffset);
    c.eventTime('failedAt', v.failedAt);
  },
};

/**
 * Checks an event against the rules its schema cannot express. Pure: `now` is passed in (stream
 * time or the runtime's clock). Returns every violation found; empty means valid.
 */
export function validateEvent<K extends EventName>(name: K, value: EventTypes[K], context: ValidationContext): string[] {
  const limits = { ...defaultValidationLimits, ...context.limits };
  const checker = new Checker(context.now, limits);
  (rules[name] as (v: EventTypes[K], c: Checker) => void)(value, checker);
  return checker.violations;
}
