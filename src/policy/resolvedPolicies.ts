/** Policies the loaders produced: validated and deeply frozen, so they need no second look. */
const RESOLVED = new WeakSet<object>();

/** Marks a loader's result as validated (the loaders only). */
export function markResolved<T extends object>(policy: T): T {
  RESOLVED.add(policy);
  return policy;
}

/** Whether `value` is a policy a loader produced (validated, deeply frozen). */
export function isResolved(value: unknown): boolean {
  return typeof value === 'object' && value !== null && RESOLVED.has(value);
}
