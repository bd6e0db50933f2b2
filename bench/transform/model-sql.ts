import { CATEGORIES, CUSTOMERS } from './source-data';

/** A column of a properties file with its generic tests. */
export interface ColumnTests {
  name: string;
  data_tests: unknown[];
}

const ref = (name: string): string => `{{ ref('${name}') }}`;
/** `unique` and `not_null` on a key column. */
export const keyTests = (key: string): ColumnTests => ({ name: key, data_tests: ['unique', 'not_null'] });
/** A column that must name an existing customer. */
export const relationshipsTest = (column: string): ColumnTests => ({
  name: column,
  data_tests: [{ relationships: { arguments: { to: "ref('customers')", field: 'customer_id' } } }],
});
/** A column that must hold one of {@link CATEGORIES}. */
export const acceptedValuesTest = (column: string): ColumnTests => ({
  name: column,
  data_tests: [{ accepted_values: { arguments: { values: CATEGORIES } } }],
});

/** Staging: one root (seed or source), renamed to the common shape id, customer_id, amount, category, event_date. */
export function stagingSql(k: number): string {
  const skip = k % 11;
  switch (['orders', 'events', 'orders', 'events', 'customers', 'products'][k % 6]) {
    case 'orders':
      return `select order_id as id, customer_id, (quantity * {{ var('bench_factor') }} + product_id + ${k}) % 1000 as amount,
  status as category, order_date as event_date
from ${ref('orders')}
where order_id % 11 != ${skip}`;
    case 'events':
      return `select event_id as id, customer_id, (value + ${k}) % 1000 as amount, event_type as category, event_date
from {{ source('landing', 'events') }}
where event_id % 11 != ${skip}`;
    case 'customers':
      return `select customer_id as id, customer_id, (customer_id * {{ var('bench_factor') }} + ${k}) % 1000 as amount,
  region as category, signup_date as event_date
from ${ref('customers')}
where customer_id % 11 != ${skip}`;
    default:
      return `select product_id as id, (product_id * 5) % ${CUSTOMERS} + 1 as customer_id, (price_cents + ${k}) % 1000 as amount,
  category, cast(date '2025-01-01' + product_id as date) as event_date
from ${ref('products')}
where product_id % 11 != ${skip}`;
  }
}

/** The shapes of intermediate model. */
export type IntKind = 'filter' | 'join' | 'union' | 'agg' | 'window';

/** Intermediate: the common shape in, the common shape out, `id` unique. */
export function intermediateSql(kind: IntKind, parents: string[], c: number): string {
  const [a, b] = parents;
  switch (kind) {
    case 'filter': {
      const m = 3 + (c % 5);
      return `select id, customer_id, (amount * 3 + ${c}) % 100003 as amount, category, event_date
from ${ref(a)}
where amount % ${m} != ${c % m}`;
    }
    case 'join':
      return `select a.id, a.customer_id, (a.amount + coalesce(b.amount, 0)) % 1000003 as amount, a.category,
  coalesce(b.event_date, a.event_date) as event_date
from ${ref(a)} as a
left join ${ref(b)} as b on a.id = b.id`;
    case 'union':
      return `select id, customer_id, amount, category, event_date
from (
${parents
  .map(
    (p, i) => `  select id, customer_id, (amount + ${i * 7}) % 1000003 as amount, category, event_date from ${ref(p)}`,
  )
  .join('\n  union all\n')}
) as u
qualify row_number() over (partition by id order by amount desc, customer_id, category, event_date) = 1`;
    case 'agg':
      return `select customer_id as id, customer_id, cast(sum(amount) % 1000003 as bigint) as amount, min(category) as category,
  max(event_date) as event_date
from ${ref(a)}
group by customer_id`;
    case 'window':
      return `select id, customer_id,
  cast(sum(amount) over (partition by customer_id order by id rows between unbounded preceding and current row) % 1000003 as bigint) as amount,
  category, event_date
from ${ref(a)}`;
  }
}

/** An intermediate query as an incremental model keyed by `id`, appending rows from the latest date on. */
export function incrementalSql(inner: string): string {
  return `{{ config(materialized='incremental', unique_key='id') }}
with base as (
${inner}
)
select * from base
{% if is_incremental() %}
where event_date >= (select max(event_date) from {{ this }})
{% endif %}`;
}

/** The shapes of mart model. */
export type MartKind = 'by_category' | 'by_customer' | 'by_month' | 'joined_by_category';

/** A mart's query over its parents and the column its key tests go on. */
export function martSql(kind: MartKind, parents: string[]): { sql: string; key: string } {
  const [a, b] = parents;
  const measures = `count(*) as n_rows, cast(sum(amount) as bigint) as total_amount, round(avg(amount), 2) as avg_amount,
  min(event_date) as first_date, max(event_date) as last_date`;
  switch (kind) {
    case 'by_category':
      return {
        key: 'category',
        sql: `select category, ${measures}\nfrom ${ref(a)}\nwhere amount >= {{ var('min_amount') }}\ngroup by category`,
      };
    case 'by_customer':
      return {
        key: 'customer_id',
        sql: `select customer_id, ${measures}\nfrom ${ref(a)}\nwhere amount >= {{ var('min_amount') }}\ngroup by customer_id`,
      };
    case 'by_month':
      return {
        key: 'month',
        sql: `select cast(date_trunc('month', event_date) as date) as month, ${measures}\nfrom ${ref(a)}\ngroup by 1`,
      };
    case 'joined_by_category':
      return {
        key: 'category',
        sql: `select a.category, count(*) as n_rows, cast(sum(a.amount + coalesce(b.amount, 0)) as bigint) as total_amount,
  count(b.id) as n_matched, max(coalesce(b.event_date, a.event_date)) as last_date
from ${ref(a)} as a
left join ${ref(b)} as b on a.id = b.id
group by a.category`,
      };
  }
}
