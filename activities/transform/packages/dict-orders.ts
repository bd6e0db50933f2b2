/**
 * The insertion order of the dicts a render builds, by key set. Python's dicts keep insertion order;
 * minijinja-js (built without `preserve_order`) keeps every map's keys sorted, and values crossing into
 * JS lose what they cannot carry, so the order lives here: each dict literal with several keys and each
 * `update` notes its keys in order (see dict-order-rewrite.ts), and iterating a mapping asks for the order
 * of its key set. Two dicts with the same keys noted in different orders make that key set ambiguous.
 */
export class DictOrders {
  private readonly orders = new Map<string, unknown[] | 'ambiguous'>();
  /** The key lists already noted, as given: a literal evaluated again costs one lookup. */
  private readonly noted = new Set<string>();

  /** Forgets every order (a new render). */
  reset(): void {
    this.orders.clear();
    this.noted.clear();
  }

  /** Notes that a dict was built with these keys in this order. */
  note(keys: unknown): void {
    if (!Array.isArray(keys) || keys.length < 2) return;
    const list = keys as unknown[];
    const given = JSON.stringify(list);
    if (this.noted.has(given)) return;
    this.noted.add(given);
    const id = keySetId(list);
    const known = this.orders.get(id);
    if (known === undefined) this.orders.set(id, [...list]);
    else if (known !== 'ambiguous' && !sameOrder(known, list)) this.orders.set(id, 'ambiguous');
  }

  /**
   * The keys `sorted` (a mapping's keys as minijinja gives them) in the order they were inserted, the
   * order given when the key set was never noted, or 'ambiguous'.
   */
  order(sorted: unknown): unknown[] | 'ambiguous' {
    const keys = Array.isArray(sorted) ? (sorted as unknown[]) : [];
    if (keys.length < 2) return keys;
    const known = this.orders.get(keySetId(keys));
    return known ?? keys;
  }
}

/** What a render reports when a dict's insertion order cannot be kept: no key values, only names. */
export function orderProblem(keys: unknown[] | 'ambiguous', sorted: unknown[]): string {
  const names = (list: unknown[]) => list.map((k) => String(k)).join(', ');
  if (keys === 'ambiguous') {
    return (
      `a dict with keys ${names(sorted)} is iterated, but dicts with these keys were built in different orders, ` +
      'so its insertion order (Python) is unknown here: build them in one order'
    );
  }
  return (
    `a dict with keys ${names(keys)} renders here in sorted key order, not its insertion order as in dbt ` +
    "(`{{ d }}`, `|tojson`, `|items` and `.items()` / `.values()` outside a for loop keep minijinja's sorted " +
    'order): iterate it with a for loop, or sort it with `|dictsort`'
  );
}

/** True when `a` and `b` hold the same keys in the same order. */
export function sameOrder(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function keySetId(keys: readonly unknown[]): string {
  return JSON.stringify(keys.map((k) => `${typeof k}:${String(k)}`).sort());
}
