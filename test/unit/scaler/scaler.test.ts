import type { ScaleCommand } from '../../../schemas/types.generated';
import { commandTarget, type InstancePool, type PoolSize, Scaler } from '../../../streams/scaler/scaler';

/** A pool that keeps size and applied ids together, as the port asks of real ones. */
class RecordingPool implements InstancePool {
  readonly pools = new Map<string, PoolSize>();
  readonly resizes: number[] = [];
  async describe(pool: string): Promise<PoolSize> {
    return this.pools.get(pool) ?? { desired: 2, appliedCommandIds: [] };
  }
  async resize(pool: string, target: number, commandId: string): Promise<void> {
    const size = await this.describe(pool);
    this.resizes.push(target);
    this.pools.set(pool, { desired: target, appliedCommandIds: [...size.appliedCommandIds, commandId] });
  }
}

const command = (over: Partial<ScaleCommand>): ScaleCommand => ({
  commandId: 'c1', pool: 'default', issuedAt: new Date(0), action: 'SCALE_OUT', targetInstances: null, deltaInstances: 3,
  effectiveBy: new Date(60_000), reason: 'FORECAST_DEMAND', explanation: 'test', forecastId: null, ...over,
});

describe('reference scaler', () => {
  it('applies a redelivered delta command once', async () => {
    const port = new RecordingPool();
    const scaler = new Scaler(port, { minInstances: 1, maxInstances: 20 });
    expect(await scaler.apply(command({}))).toEqual({ kind: 'applied', pool: 'default', from: 2, to: 5 });
    expect(await scaler.apply(command({}))).toEqual({ kind: 'duplicate', pool: 'default', commandId: 'c1' });
    expect(await scaler.apply(command({ commandId: 'c2', action: 'SCALE_IN', deltaInstances: 1 }))).toMatchObject({ to: 4 });
    expect(port.resizes).toEqual([5, 4]);
  });

  it('clamps to the bounds and rejects a command with no size', () => {
    const bounds = { minInstances: 1, maxInstances: 4 };
    expect(commandTarget(command({ targetInstances: 50, deltaInstances: null }), 2, bounds)).toBe(4);
    expect(commandTarget(command({ action: 'SCALE_IN', deltaInstances: 9 }), 2, bounds)).toBe(1);
    expect(() => commandTarget(command({ deltaInstances: null }), 2, bounds)).toThrow(/neither/);
    expect(() => new Scaler(new RecordingPool(), { minInstances: 3, maxInstances: 2 })).toThrow(/maxInstances/);
  });
});
