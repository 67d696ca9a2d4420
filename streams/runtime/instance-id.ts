/**
 * What an instance id may be. It becomes part of the instance's transactional ids, which the
 * broker compares as strings and operators read in its logs: kept printable and short.
 * Returns why `id` is refused, or undefined when it is fine.
 */
export function instanceIdProblem(id: string): string | undefined {
  return /^[A-Za-z0-9._-]{1,100}$/.test(id) ? undefined : `must be 1 to 100 letters, digits, '.', '_' or '-', got ${JSON.stringify(id)}`;
}
