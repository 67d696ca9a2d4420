import { Fleet } from '../../../models/simulation/fleet';

describe('Fleet', () => {
  it('knows which instances are ready at any time, through launches and terminations', () => {
    const fleet = new Fleet({ instanceCores: 8, instanceMemory: 1, bootDelaySeconds: 100, random: () => 0 }, 0);
    fleet.launch(0, 2, true);
    fleet.launch(10, 1); // ready at 110
    fleet.launch(50, 1); // ready at 150
    const brute = (t: number) => fleet.instances.filter((i) => i.readyAt <= t);
    for (const t of [10, 60, 109, 110, 120, 149, 150, 151]) {
      expect(fleet.readyCount(t)).toBe(brute(t).length);
      expect(fleet.readyInstances(t)).toEqual(brute(t));
    }
    expect(fleet.nextReadyAt(60)).toBe(110);
    expect(fleet.nextReadyAt(110)).toBe(150);
    expect(fleet.nextReadyAt(150)).toBe(Infinity);
    // The same answer object while nothing changes; a termination is seen at once.
    expect(fleet.readyInstances(160)).toBe(fleet.readyInstances(170));
    fleet.terminate(170, 1);
    expect(fleet.readyCount(170)).toBe(3);
    expect(fleet.readyInstances(170)).toEqual(brute(170));
    fleet.launch(180, 1);
    expect(fleet.readyCount(200)).toBe(3);
    expect(fleet.nextReadyAt(200)).toBe(280);
    expect(fleet.readyCount(280)).toBe(4);
  });
});
