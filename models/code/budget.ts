/**
 * A bound on the analyser's work, counted in steps: AST nodes indexed and walked, call edges
 * made, and expressions the constant folder evaluates. Each part of the analysis is meant to
 * be linear in the source, but a hostile source within the byte limit can still find some
 * path that is not; the budget ends any such analysis after a fixed amount of work, and the
 * analyser reports it like its other limits (`parsed: false`, with the reason).
 */
export class StepBudget {
  private taken = 0;

  constructor(readonly limit: number) {}

  /** Takes `n` steps; throws StepBudgetExhausted once more than the limit have been taken. */
  spend(n = 1): void {
    this.taken += n;
    if (this.taken > this.limit) throw new StepBudgetExhausted(this.limit);
  }

  /** Steps taken so far (for measuring what real programs need). */
  get used(): number {
    return this.taken;
  }
}

export class StepBudgetExhausted extends Error {
  constructor(readonly limit: number) {
    super(`analysis ran past its ${limit}-step limit`);
    this.name = 'StepBudgetExhausted';
  }
}

/** No bound: for callers that analyse trusted code or bound it themselves. */
export const unlimited = (): StepBudget => new StepBudget(Number.POSITIVE_INFINITY);
