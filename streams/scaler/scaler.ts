/**
 * The reference scaler: how PRM's `ScaleCommand`s become instances.
 *
 * A scaler is a consumer of prm.scale-commands that resizes one kind of infrastructure through
 * the {@link InstancePool} port. To write a real one, implement the port against your platform
 * and hand it to {@link Scaler} (or {@link runScalerConsumer}, which adds the Kafka loop):
 *
 * - `describe(pool)` returns the pool's desired size and the ids of the commands already applied
 *   to it. Keep those ids WITH the pool, where the resize itself is recorded, so that applying
 *   and remembering are one write: on Kubernetes, patch `spec.replicas` and an annotation holding
 *   the recent command ids in the same update of the Deployment; on AWS, set an Auto Scaling
 *   group's DesiredCapacity and a tag with the ids (or pass the command id as the ClientToken).
 * - `resize(pool, target, commandId)` sets the desired size and records the id.
 *
 * Kafka delivers a command at least once (a crash between resizing and committing the offset
 * redelivers it), so the scaler applies each command id once: a redelivered SCALE_OUT by +3 must
 * not add 6. Target commands are idempotent anyway; delta commands are what the ledger is for.
 * Bounds (min/max instances) are enforced here too, so a bad command cannot empty or flood a pool.
 */
import { BadRecordError } from '../../schemas/errors';
import type { ScaleCommand } from '../../schemas/types.generated';

export interface PoolSize {
  /** Instances the pool is asked to have (booting ones included). */
  desired: number;
  /** Ids of commands already applied to this pool (the recent ones at least). */
  appliedCommandIds: readonly string[];
}

/** What a scaler needs from an infrastructure: read the size and the applied ids, set both. */
export interface InstancePool {
  describe(pool: string): Promise<PoolSize>;
  resize(pool: string, target: number, commandId: string): Promise<void>;
}

export interface ScalerBounds {
  minInstances: number;
  maxInstances: number;
}

export type ScaleOutcome =
  | { kind: 'applied'; pool: string; from: number; to: number }
  | { kind: 'duplicate'; pool: string; commandId: string };

/** How many applied command ids a pool remembers: far more than can be redelivered at once. */
export const APPLIED_ID_MEMORY = 512;

/** The size a command asks for, from the current desired size, clamped to the bounds. */
export function commandTarget(command: ScaleCommand, current: number, bounds: ScalerBounds): number {
  let target: number;
  if (command.targetInstances !== null && command.targetInstances !== undefined) {
    target = command.targetInstances;
  } else if (command.deltaInstances !== null && command.deltaInstances !== undefined) {
    const delta = Math.abs(command.deltaInstances);
    target = command.action === 'SCALE_OUT' ? current + delta : current - delta;
  } else {
    // The command's own fault, not the pool's: a consumer dead-letters it rather than retrying it.
    throw new BadRecordError('INVALID_VALUE', `scale command ${command.commandId} has neither targetInstances nor deltaInstances`);
  }
  return Math.min(bounds.maxInstances, Math.max(bounds.minInstances, Math.round(target)));
}

/** Adds an id to a bounded ledger, oldest dropped first. */
export function rememberCommand(ids: readonly string[], commandId: string): string[] {
  const next = [...ids, commandId];
  return next.length > APPLIED_ID_MEMORY ? next.slice(next.length - APPLIED_ID_MEMORY) : next;
}

export function validateBounds(bounds: ScalerBounds): void {
  if (!Number.isInteger(bounds.minInstances) || bounds.minInstances < 0) throw new RangeError(`minInstances must be an integer >= 0, got ${bounds.minInstances}`);
  if (!Number.isInteger(bounds.maxInstances) || bounds.maxInstances < bounds.minInstances) {
    throw new RangeError(`maxInstances must be an integer >= minInstances (${bounds.minInstances}), got ${bounds.maxInstances}`);
  }
}

/** Applies scale commands to an {@link InstancePool}, each command id once. */
export class Scaler {
  constructor(private readonly port: InstancePool, private readonly bounds: ScalerBounds) {
    validateBounds(bounds);
  }

  async apply(command: ScaleCommand): Promise<ScaleOutcome> {
    const size = await this.port.describe(command.pool);
    if (size.appliedCommandIds.includes(command.commandId)) return { kind: 'duplicate', pool: command.pool, commandId: command.commandId };
    const to = commandTarget(command, size.desired, this.bounds);
    await this.port.resize(command.pool, to, command.commandId);
    return { kind: 'applied', pool: command.pool, from: size.desired, to };
  }
}
