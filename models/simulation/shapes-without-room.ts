import { partsThatFit, type Bin } from '../scheduling/placement';

interface Shape {
  cores: number;
  memory: number;
  replicas: number;
  /** At least as many parts as the ready instances can hold now; below `replicas`. */
  parts: number;
}

/**
 * Job shapes (cores, memory, replicas) that found too little room, each with an upper bound on
 * the parts the ready instances could hold: counted when the shape failed, and raised only by
 * what gives room back (a completion, an instance getting ready). Placing and terminating only
 * take room away, so while the bound stays below the replicas, bestFit would fail again and
 * need not scan the fleet. A shape leaves once its bound reaches its replicas.
 */
export class ShapesWithoutRoom {
  private readonly shapes = new Map<string, Shape>();

  static key(cores: number, memory: number, replicas: number): string {
    return `${cores}/${memory}/${replicas}`;
  }

  has(key: string): boolean {
    return this.shapes.has(key);
  }

  /** Records a shape that bestFit could not place, with the parts the ready instances could hold. */
  add(key: string, cores: number, memory: number, replicas: number, parts: number): void {
    if (parts < replicas) this.shapes.set(key, { cores, memory, replicas, parts });
  }

  /** An instance got ready: its room counts for every shape. */
  added(bin: Bin): void {
    for (const [key, s] of this.shapes) this.raise(key, s, partsThatFit(bin, s.cores, s.memory));
  }

  /** `giveBack` returns room to `bin`; every shape's bound rises by the parts that gained. */
  grow(bin: Bin, giveBack: () => void): void {
    if (this.shapes.size === 0) {
      giveBack();
      return;
    }
    const before = [...this.shapes.values()].map((s) => partsThatFit(bin, s.cores, s.memory));
    giveBack();
    let i = 0;
    for (const [key, s] of this.shapes) this.raise(key, s, partsThatFit(bin, s.cores, s.memory) - before[i++]!);
  }

  private raise(key: string, s: Shape, gained: number): void {
    s.parts += gained;
    if (s.parts >= s.replicas) this.shapes.delete(key);
  }
}
